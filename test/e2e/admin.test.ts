import { mkdirSync } from "node:fs";
import { createClient } from "redis";
import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations } from "./axe.js";
import { newPage, people, signIn, useBrowserStack } from "./harness.js";

/**
 * Administration in Chromium: the Bans tab lists every account from the server (found by name,
 * banned or not) with each ban's when and why and "Lift ban"; the audit log offers to lift a ban
 * only while it is in force, live; a lifted ban brings the person back to People live; deactivation
 * asks first; a password reset link is shown whole with Copy. Desktop and phone.
 */
const env = useBrowserStack({ adminUsernames: ["Pablo"] });
const PHONE = { width: 390, height: 844 };

async function cookieOf(username: string, password = "password123"): Promise<{ id: number; cookie: string }> {
  const res = await fetch(`${env.stack.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`sign in ${username}: ${res.status}`);
  return { id: ((await res.json()) as { id: number }).id, cookie: res.headers.get("set-cookie")!.split(";")[0]! };
}
const as = async (who: { cookie: string }, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${env.stack.url}${path}`, { method, headers: { cookie: who.cookie, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
  return res.json() as Promise<unknown>;
};
const openAdmin = async (page: Page, tab: string) => {
  await page.getByRole("button", { name: "Admin" }).click();
  const admin = page.getByRole("dialog", { name: "Administration" });
  await admin.getByRole("tab", { name: tab }).click();
  return admin;
};

describe("web client: administration", { timeout: 90_000 }, () => {
  // The first account a person creates becomes an administrator (who cannot be banned): not the test's own.
  beforeAll(async () => {
    await cookieOf("first_arrival", "a-long-password");
  });

  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`the Bans tab finds a member who never posted, bans them, and after reopening still finds them banned, with when and why, to lift (${size})`, async () => {
      const quiet = `quiet_${size}`;
      await cookieOf(quiet, "a-long-password");
      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Pablo");
      let admin = await openAdmin(page, "Bans");
      await admin.getByLabel("Find people by name").fill(quiet);
      const row = admin.getByRole("list", { name: "People" }).getByRole("listitem").filter({ hasText: `@${quiet}` });
      await row.getByRole("button", { name: `Ban ${quiet}…` }).click();
      const confirm = admin.getByRole("form", { name: `Ban ${quiet}` });
      await confirm.getByLabel("Reason (kept in the audit log)").fill("spamming");
      await confirm.getByRole("button", { name: `Ban ${quiet}`, exact: true }).click();
      await row.getByRole("button", { name: `Lift ban on ${quiet}` }).waitFor();

      // Closed and opened again: still there, said banned, by whom and why.
      await admin.getByRole("button", { name: "Close" }).click();
      admin = await openAdmin(page, "Bans");
      await admin.getByLabel("Find people by name").fill(quiet.slice(0, 7));
      // The search's answer, not the list of everyone shown first.
      await admin.getByText("@Alex").waitFor({ state: "detached" });
      await row.getByText(/^Banned .* by Pablo — spamming$/).waitFor();
      await admin.getByLabel("Show").selectOption("banned");
      await row.getByRole("button", { name: `Lift ban on ${quiet}` }).waitFor();
      expect((await axeViolations(page)).join("\n")).toBe("");
      await page.screenshot({ path: `/tmp/admin-bans-${size}.png` });
      await row.getByRole("button", { name: `Lift ban on ${quiet}` }).click();
      // Asked first, as the other account actions are.
      const asked = page.getByRole("alertdialog", { name: `Lift the ban on ${quiet}?` });
      await asked.getByText("They can sign in again at once").waitFor();
      expect((await axeViolations(page)).join("\n")).toBe("");
      await asked.getByRole("button", { name: "Lift ban" }).click();
      await admin.getByText("Nobody banned by that name.").waitFor();
    });
  }

  it("a demotion and a promotion reach the person's open tab at once: the Admin button goes and comes back, and an open Administration dialog says they are no longer an administrator", async () => {
    const pablo = await cookieOf("Pablo");
    const carol = await cookieOf("carol_role", "a-long-password");
    await as(pablo, "PATCH", `/users/${carol.id}`, { role: "admin" });
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "carol_role", "a-long-password");
    const admin = await openAdmin(page, "Bans");
    await admin.getByRole("list", { name: "People" }).waitFor();

    await as(pablo, "PATCH", `/users/${carol.id}`, { role: "member" });
    await admin.getByText("You are no longer an administrator of this place").waitFor();
    await admin.getByRole("button", { name: "OK" }).click();
    await page.getByRole("button", { name: "Admin" }).waitFor({ state: "detached" });

    await as(pablo, "PATCH", `/users/${carol.id}`, { role: "admin" });
    const again = await openAdmin(page, "Bans");
    await again.getByRole("list", { name: "People" }).waitFor();
  });

  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`a ban made before details were kept is listed as such in the Bans tab, and Lift ban lifts it (${size})`, async () => {
      const old = `oldban_${size}`;
      const { id } = await cookieOf(old, "a-long-password");
      // As such a ban is stored: the id in users:banned, nothing in users:banned:details.
      const redis = createClient({ url: env.stack.redis.url });
      await redis.connect();
      try {
        await redis.sAdd("users:banned", String(id));
        expect(Number(await redis.hExists("users:banned:details", String(id)))).toBe(0);
      } finally {
        await redis.quit();
      }
      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Pablo");
      const admin = await openAdmin(page, "Bans");
      await admin.getByLabel("Show").selectOption("banned");
      await admin.getByLabel("Find people by name").fill(old);
      const row = admin.getByRole("list", { name: "People" }).getByRole("listitem").filter({ hasText: `@${old}` });
      await row.getByText("Banned before details were kept", { exact: true }).waitFor();
      expect((await axeViolations(page)).join("\n")).toBe("");
      mkdirSync("/tmp/away", { recursive: true });
      await page.screenshot({ path: `/tmp/away/admin-old-ban-${size}.png` });
      await row.getByRole("button", { name: `Lift ban on ${old}` }).click();
      await page.getByRole("alertdialog", { name: `Lift the ban on ${old}?` }).getByRole("button", { name: "Lift ban" }).click();
      await admin.getByText("Nobody banned by that name.").waitFor();
      // Lifted for real: the person signs in again.
      await cookieOf(old, "a-long-password");
    });
  }

  it("the audit log offers to lift a ban only while that ban is in force, kept live while it is open", async () => {
    const pablo = await cookieOf("Pablo");
    const alex = await cookieOf("Alex");
    await as(pablo, "POST", `/users/${alex.id}/ban`, { reason: "first time" });
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Pablo");
    const admin = await openAdmin(page, "Audit log");
    const first = admin.getByRole("listitem").filter({ hasText: "Pablo banned Alex — first time" });
    await first.getByRole("button", { name: "Lift ban on Alex" }).waitFor();

    // Lifted elsewhere: the offer goes, and the lift is listed.
    await as(pablo, "DELETE", `/users/${alex.id}/ban`);
    await first.getByRole("button", { name: "Lift ban on Alex" }).waitFor({ state: "detached" });
    await admin.getByRole("listitem").filter({ hasText: "Pablo lifted the ban on Alex" }).first().waitFor();
    // Banned again: only the new entry offers it.
    await as(pablo, "POST", `/users/${alex.id}/ban`, { reason: "second time" });
    const second = admin.getByRole("listitem").filter({ hasText: "Pablo banned Alex — second time" });
    await second.getByRole("button", { name: "Lift ban on Alex" }).waitFor();
    expect(await first.getByRole("button").count()).toBe(0);
    await page.screenshot({ path: "/tmp/admin-audit-desktop.png" });
    await second.getByRole("button", { name: "Lift ban on Alex" }).click();
    await page.getByRole("alertdialog", { name: "Lift the ban on Alex?" }).getByRole("button", { name: "Lift ban" }).click();
    await second.getByRole("button", { name: "Lift ban on Alex" }).waitFor({ state: "detached" });
  });

  it("an invitation whose maker is banned is listed as not usable, with no link to copy, live; one revoked elsewhere leaves the list when revoked here", async () => {
    const pablo = await cookieOf("Pablo");
    const deputy = await cookieOf("deputy_invites", "a-long-password");
    await as(pablo, "PATCH", `/users/${deputy.id}`, { role: "admin" });
    const theirs = (await as(deputy, "POST", "/invites", {})) as { code: string };
    const ours = (await as(pablo, "POST", "/invites", {})) as { code: string };
    // Administrators cannot be banned: demoted first.
    await as(pablo, "PATCH", `/users/${deputy.id}`, { role: "member" });
    await as(pablo, "POST", `/users/${deputy.id}/ban`, { reason: "rogue" });

    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Pablo");
    const admin = await openAdmin(page, "Invitations");
    const rowOf = (code: string) => admin.getByRole("list", { name: "Invitation links" }).getByRole("listitem")
      .filter({ has: page.getByRole("button", { name: `Revoke ${code}` }) });
    await rowOf(theirs.code).getByText("Not usable: made by deputy_invites, who is banned. It works again if the ban is lifted.").waitFor();
    expect(await rowOf(theirs.code).getByRole("button", { name: "Copy" }).count()).toBe(0);
    await rowOf(ours.code).getByRole("button", { name: "Copy" }).waitFor();
    expect(await rowOf(ours.code).getByText(/Not usable/).count()).toBe(0);
    expect((await axeViolations(page)).join("\n")).toBe("");
    await page.screenshot({ path: "/tmp/admin-invite-suspended.png" });

    // The ban lifted while the list is open: usable again, its link offered.
    await as(pablo, "DELETE", `/users/${deputy.id}/ban`);
    await rowOf(theirs.code).getByRole("button", { name: "Copy" }).waitFor();
    await as(pablo, "PATCH", `/users/${deputy.id}`, { deactivated: true });
    await rowOf(theirs.code).getByText(/Not usable: made by deputy_invites, whose account is deactivated/).waitFor();

    // Revoked by another administrator (here, another tab): revoking it here takes it off the list.
    await as(pablo, "DELETE", `/invites/${ours.code}`);
    await rowOf(ours.code).getByRole("button", { name: `Revoke ${ours.code}` }).click();
    await rowOf(ours.code).waitFor({ state: "detached" });
    await admin.getByRole("alert").getByText(/already revoked/).waitFor();
  });

  it("a person whose ban is lifted comes back to People at once, on a page opened while they were banned", async () => {
    const pablo = await cookieOf("Pablo");
    const mary = await cookieOf("Mary");
    await as(pablo, "POST", `/users/${mary.id}/ban`, {});
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Joe");
    await people(page).getByRole("button", { name: "Alex", exact: true }).first().waitFor();
    expect(await people(page).getByRole("button", { name: "Mary", exact: true }).count()).toBe(0);
    await as(pablo, "DELETE", `/users/${mary.id}/ban`);
    await people(page).getByRole("button", { name: "Mary", exact: true }).first().waitFor({ timeout: 10_000 });
  });

  it("on a phone every tab of Administration fits the screen: no field, row or button runs off its right edge", async () => {
    // The widest rows there are: a long display name, and "member · deactivated" beside it.
    const wide = await cookieOf("wide_row", "a-long-password");
    await as(wide, "PATCH", "/me/profile", { displayName: "Somebody With A Really Quite Long Display Name" });
    const pablo = await cookieOf("Pablo");
    await as(pablo, "PATCH", `/users/${wide.id}`, { deactivated: true });
    const { page } = await newPage(env.browser, PHONE);
    await signIn(page, env.stack.url, "Pablo");
    const admin = await openAdmin(page, "Accounts");
    for (const tab of ["Invitations", "Accounts", "Place", "Bans", "Audit log"]) {
      await admin.getByRole("tab", { name: tab }).click();
      if (tab === "Accounts") await admin.getByRole("button", { name: "Manage wide_row" }).waitFor();
      const past = await admin.locator("li, input, select, button:not([role=tab])").evaluateAll((els) =>
        els.filter((el) => el.getBoundingClientRect().right > window.innerWidth).map((el) => `${el.tagName} ${el.textContent?.slice(0, 30) ?? ""}`));
      expect(past, tab).toEqual([]);
    }
    await admin.getByRole("tab", { name: "Accounts" }).click();
    await page.screenshot({ path: "/tmp/admin-accounts-phone.png" });
  });

  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`deactivating asks first; a password reset link is shown whole and copied (${size})`, async () => {
      const name = `leaver_${size}`;
      await cookieOf(name, "a-long-password");
      const { context, page } = await newPage(env.browser, viewport);
      await context.grantPermissions(["clipboard-read", "clipboard-write"]);
      await signIn(page, env.stack.url, "Pablo");
      const admin = await openAdmin(page, "Accounts");
      await admin.getByLabel("Find accounts").fill(name);
      await admin.getByRole("button", { name: `Manage ${name}` }).click();
      const card = page.getByRole("dialog", { name });
      await card.getByRole("button", { name: "Deactivate…" }).click();
      const confirm = card.getByRole("form", { name: `Deactivate ${name}` });
      await confirm.getByRole("button", { name: "Cancel" }).click();
      expect(await confirm.count()).toBe(0);
      expect(await card.getByRole("button", { name: "Reactivate" }).count()).toBe(0);
      await card.getByRole("button", { name: "Deactivate…" }).click();
      expect((await axeViolations(page)).join("\n")).toBe("");
      await page.screenshot({ path: `/tmp/admin-deactivate-${size}.png` });
      await confirm.getByRole("button", { name: `Deactivate ${name}` }).click();
      await card.getByRole("button", { name: "Reactivate" }).waitFor();

      await card.getByRole("button", { name: "Password reset link" }).click();
      const field = card.getByLabel(/^One-time link \(expires /);
      const link = await field.inputValue();
      expect(link).toMatch(/\?reset=[A-Za-z0-9_-]{20,}/);
      // The whole link is in view: nothing cut off or hidden to the side.
      expect(await field.evaluate((el) => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight + 1)).toBe(true);
      await card.getByRole("button", { name: "Copy" }).click();
      await card.getByRole("button", { name: "Copied" }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
      expect((await axeViolations(page)).join("\n")).toBe("");
      await page.screenshot({ path: `/tmp/admin-reset-${size}.png` });
    });
  }

  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`invitations, and sessions in settings, say dates one way; this session is listed first, in use now; each says when and from where it signed in (${size})`, async () => {
      const DATE = /[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M/;
      await cookieOf("Pablo");
      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Pablo");
      const admin = await openAdmin(page, "Invitations");
      await admin.getByRole("button", { name: "Create invitation link" }).click();
      const invite = admin.getByRole("list", { name: "Invitation links" }).getByRole("listitem").first();
      expect(await invite.getByText(/expires/).textContent()).toMatch(DATE);
      await invite.getByRole("button", { name: "Copy" }).waitFor();
      await page.screenshot({ path: `/tmp/admin-invite-${size}.png` });
      await admin.getByRole("button", { name: "Close" }).click();

      await page.getByRole("button", { name: "Settings" }).click();
      const settings = page.getByRole("dialog", { name: "Settings" });
      await settings.getByRole("tab", { name: "Sessions" }).click();
      const rows = settings.locator(".settings__sessions > li");
      await rows.nth(1).waitFor();
      expect(await rows.first().textContent()).toContain("(this one) · in use now");
      expect(await rows.nth(1).textContent()).toMatch(new RegExp(`last used ${DATE.source}`));
      // When and where each signed in: two alike browsers told apart.
      expect(await rows.nth(1).locator(".settings__session-origin").textContent()).toMatch(new RegExp(`^Signed in ${DATE.source} from 127\\.0\\.0\\.1$`));
      // Each session's "Sign out" on one line, beside its device and date (it wrapped on a phone).
      const signOut = rows.nth(1).getByRole("button", { name: "Sign out" });
      expect(await signOut.evaluate((button) => {
        const range = document.createRange();
        range.selectNodeContents(button);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      })).toBe(1);
      await page.screenshot({ path: `/tmp/admin-sessions-${size}.png` });
    });
  }
});
