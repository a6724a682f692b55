import { mkdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations } from "./axe.js";
import { newPage, useBrowserStack, waitOnline } from "./harness.js";
import { accountsByApi } from "./accounts-by-api.js";

/**
 * A page loaded anew after its session ended, never having heard the ending (a tab opened later,
 * a tab that was elsewhere or discarded and is reloaded), says why on its sign-in form, as an open
 * page does: its first call, GET /me, says it. Once; and not after the person signs in again.
 * Desktop (1280x800) and phone (390x844).
 */
const env = useBrowserStack({ demoData: false, adminUsernames: ["alice"] });
const SIZES = [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 844 }]] as const;
const PASSWORD = "a-long-password";
const SHOTS = "/tmp/away";
mkdirSync(SHOTS, { recursive: true });

const { account, as, signInAs } = accountsByApi(env, PASSWORD);
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

/** The sign-in form's notices (why the last session ended). */
const notices = (page: Page) => page.locator(".signin__notice");

// The first account made is an administrator (and administrators cannot be banned): alice, first.
beforeAll(() => account("alice"));

describe("web client: a page loaded after its session ended says why", () => {
  for (const [size, viewport] of SIZES) {
    it(`banned while no tab was open: a tab opened anew says so with the reason and the name filled in, once, a reload too; signed in again once the ban is lifted, no notice (${size})`, async () => {
      const name = `reload-carol-${size}`;
      const carol = await account(name);
      const { context, page } = await newPage(env.browser, viewport);
      await signInAs(page, name);
      await page.close();

      await as(await account("alice"), "POST", `/users/${carol.id}/ban`, { reason: "spam at night" });
      const tab = await context.newPage();
      await tab.goto(env.stack.url);
      const notice = tab.getByRole("alert").filter({ hasText: "This account was banned by an administrator." });
      await notice.waitFor({ timeout: 15_000 });
      await notice.getByText("Reason given: spam at night").waitFor();
      expect(await tab.getByLabel("Username").inputValue()).toBe(name);
      expect(await notices(tab).count()).toBe(1);
      expect((await axeViolations(tab)).join("\n")).toBe("");
      await shot(tab, `banned-new-tab-${size}`);

      await tab.reload();
      await notice.waitFor();
      expect(await notices(tab).count()).toBe(1);

      await as(await account("alice"), "DELETE", `/users/${carol.id}/ban`);
      await tab.getByLabel("Password").fill(PASSWORD);
      await tab.getByRole("button", { name: "Sign in", exact: true }).click();
      await waitOnline(tab);
      await tab.reload();
      await waitOnline(tab);
      await tab.getByRole("button", { name: "Log out" }).click();
      await tab.getByLabel("Username").waitFor();
      expect(await notices(tab).count()).toBe(0);
      await shot(tab, `signed-out-after-${size}`);
    });

    it(`signed out everywhere from another device while the tab was elsewhere: reloaded, it says so, once (${size})`, async () => {
      const name = `reload-bob-${size}`;
      const bob = await account(name);
      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, name);
      // The tab leaves the chat (as a discarded tab has): it hears nothing of the ending.
      await page.goto("about:blank");

      // Another device signs out everywhere (its own cookie: the one the account was made with).
      await as(bob, "POST", "/logout/everywhere", {});
      await page.goto(env.stack.url);
      await page.getByRole("alert").filter({ hasText: "You were signed out from another device." }).waitFor({ timeout: 15_000 });
      expect(await page.getByLabel("Username").inputValue()).toBe(name);
      expect(await notices(page).count()).toBe(1);
      await shot(page, `signed-out-everywhere-reloaded-${size}`);
    });
  }
});
