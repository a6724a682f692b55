import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations } from "./axe.js";
import { newPage, signIn, useBrowserStack } from "./harness.js";
import { accountsByApi } from "./accounts-by-api.js";

/**
 * What an administrator is asked before the weightiest account actions. A ban says how the person
 * could come straight back (open invitation links, offered to be revoked with it; open sign-up,
 * with where to close it), and making someone an administrator, or a member again, asks first.
 */
const env = useBrowserStack({ adminUsernames: ["Pablo"] });
const PHONE = { width: 390, height: 844 };
const PASSWORD = "a-long-password";

// Pablo is the demo's administrator (its password); the accounts the tests make have their own.
const demo = accountsByApi(env, "password123");
const { account, as } = accountsByApi(env, PASSWORD);
/** An account made by the administrator (the way in whatever the registration mode). */
async function member(username: string): Promise<{ id: number; cookie: string }> {
  await as(await demo.account("Pablo"), "POST", "/admin/users", { username, password: PASSWORD });
  return account(username);
}
const setRegistration = async (registration: string) => as(await demo.account("Pablo"), "PATCH", "/place/settings", { registration });
const openAdmin = async (page: Page, tab: string) => {
  await page.getByRole("button", { name: "Admin" }).click();
  const admin = page.getByRole("dialog", { name: "Administration" });
  await admin.getByRole("tab", { name: tab }).click();
  return admin;
};
async function askToBan(page: Page, username: string) {
  const admin = await openAdmin(page, "Bans");
  await admin.getByLabel("Find people by name").fill(username);
  const row = admin.getByRole("list", { name: "People" }).getByRole("listitem").filter({ hasText: `@${username}` });
  await row.getByRole("button", { name: `Ban ${username}…` }).click();
  return { admin, row, confirm: admin.getByRole("form", { name: `Ban ${username}` }) };
}

describe("web client: what a ban and a promotion ask first", { timeout: 90_000 }, () => {
  // The first account a person creates becomes an administrator (who cannot be banned): not the test's own.
  beforeAll(async () => {
    await member("first_arrival");
  });

  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`a ban offers to revoke the open invitation links only while some are open, and after it the link's page says the invitation is no longer valid (${size})`, async () => {
      await setRegistration("invite");
      const pablo = await demo.account("Pablo");
      const carol = `carol_${size}`;
      await member(carol);
      // Left by an earlier test: none open to begin with.
      for (const invite of (await as(pablo, "GET", "/invites")) as { code: string }[]) await as(pablo, "DELETE", `/invites/${invite.code}`);
      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Pablo");

      // No link open: nothing about links is said or offered.
      let { admin, confirm } = await askToBan(page, carol);
      await confirm.getByLabel("Reason (kept in the audit log)").waitFor();
      await page.waitForTimeout(300);
      expect(await confirm.getByLabel("Also revoke open invitation links").count()).toBe(0);
      expect(await confirm.getByText(/invitation links? (is|are) open/).count()).toBe(0);
      await confirm.getByRole("button", { name: "Cancel" }).click();
      await admin.getByRole("button", { name: "Close" }).click();

      // The team's open links (one of 100 uses, as carol came in by).
      const made = (await as(pablo, "POST", "/invites", { maxUses: 100, expiresInHours: 168 })) as { code: string };
      await as(pablo, "POST", "/invites", { maxUses: 1, expiresInHours: 24 });
      ({ admin, confirm } = await askToBan(page, carol));
      await confirm.getByText("2 invitation links are open: anyone holding one can make a new account.").waitFor();
      const revoke = confirm.getByLabel("Also revoke open invitation links");
      expect(await revoke.isChecked()).toBe(true);
      expect((await axeViolations(page)).join("\n")).toBe("");
      await page.screenshot({ path: `/tmp/ban-revoke-links-${size}.png` });
      await confirm.getByLabel("Reason (kept in the audit log)").fill("spamming");
      await confirm.getByRole("button", { name: `Ban ${carol}`, exact: true }).click();
      await admin.getByRole("status").filter({ hasText: `${carol} is banned, and 2 invitation links were revoked.` }).waitFor();
      expect(await as(pablo, "GET", "/invites")).toEqual([]);

      // Carol, from the same browser, opens the link she came in by.
      const { page: carols } = await newPage(env.browser, viewport);
      await carols.goto(`${env.stack.url}/?invite=${made.code}`);
      await carols.getByText("This invitation is no longer valid", { exact: false }).waitFor();
    });
  }

  it("where anyone may sign up, a ban says so and leads to Administration → Place to close it (the mode is left as it is)", async () => {
    await setRegistration("open");
    await member("dave_open");
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Pablo");
    const { admin, confirm } = await askToBan(page, "dave_open");
    await confirm.getByText("Sign-up is open here: anyone can make a new account without an invitation", { exact: false }).waitFor();
    expect((await axeViolations(page)).join("\n")).toBe("");
    await page.screenshot({ path: "/tmp/ban-open-signup-desktop.png" });
    await confirm.getByRole("button", { name: "Administration → Place" }).click();
    expect(await admin.getByRole("tab", { name: "Place" }).getAttribute("aria-selected")).toBe("true");
    expect(((await (await fetch(`${env.stack.url}/registration`)).json()) as { mode: string }).mode).toBe("open");
  });

  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`making someone an administrator asks first, and so does making them a member again (${size})`, async () => {
      const username = `bob_${size}`;
      const bob = await member(username);
      await as(bob, "PATCH", "/me/profile", { displayName: "Bob Builder" });
      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Pablo");
      const admin = await openAdmin(page, "Accounts");
      await admin.getByLabel("Find accounts").fill(username);
      await admin.getByRole("button", { name: `Manage ${username}` }).click();
      const card = page.getByRole("dialog", { name: "Bob Builder" });
      const role = async () => ((await as(bob, "GET", "/me/profile")) as { role: string }).role;

      await card.getByRole("button", { name: "Make administrator…" }).click();
      const promote = card.getByRole("form", { name: "Make Bob Builder an administrator" });
      await promote.getByText("Make Bob Builder an administrator? They will be able to ban people, change the place's settings", { exact: false }).waitFor();
      await promote.getByRole("button", { name: "Cancel" }).click();
      expect(await promote.count()).toBe(0);
      expect(await role()).toBe("member");

      await card.getByRole("button", { name: "Make administrator…" }).click();
      expect((await axeViolations(page)).join("\n")).toBe("");
      await page.screenshot({ path: `/tmp/promote-confirm-${size}.png` });
      await promote.getByRole("button", { name: "Confirm" }).click();
      await card.getByText(`@${username} · administrator`).waitFor();
      expect(await role()).toBe("admin");

      await card.getByRole("button", { name: "Make member…" }).click();
      const demote = card.getByRole("form", { name: "Make Bob Builder a member" });
      await demote.getByText("They will no longer be able to ban people", { exact: false }).waitFor();
      await demote.getByRole("button", { name: "Confirm" }).click();
      await card.getByRole("button", { name: "Make administrator…" }).waitFor();
      expect(await role()).toBe("member");
    });
  }
});
