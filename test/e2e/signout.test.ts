import { mkdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations } from "./axe.js";
import { chats, newPage, useBrowserStack, waitOnline } from "./harness.js";
import { accountsByApi } from "./accounts-by-api.js";

/**
 * How a session ends, as the person whose page it was sees it: a ban or "Sign out everywhere"
 * says why on the sign-in page and keeps what was typed (for that account only, never sent by a
 * banned one); "Sign out everywhere" asks first; signing out in one tab tells the others. And the
 * administrators' screens: banned and deactivated people are not offered under "Add members", and
 * the audit log says an invitation's terms as people do. Desktop (1440x900) and phone (390x844).
 */
const env = useBrowserStack({ demoData: false, adminUsernames: ["alice"] });
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const SIZES = [["desktop", DESKTOP], ["phone", PHONE]] as const;
const PASSWORD = "a-long-password";
const SHOTS = "/tmp/signout-shots";
mkdirSync(SHOTS, { recursive: true });

const { account, as, signInAs } = accountsByApi(env, PASSWORD);

async function openRoom(page: Page, name: string): Promise<void> {
  // A phone signed in again on a room's address opens that room straight away.
  if (await page.getByRole("heading", { name, exact: true }).isVisible()) return;
  await chats(page).getByRole("button", { name: new RegExp(`^${name}`) }).first().click();
  await page.getByRole("heading", { name, exact: true }).waitFor();
}

async function typeDraft(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
}

async function storedTexts(roomId = "0"): Promise<string[]> {
  const alice = await account("alice");
  const page = (await as(alice, "GET", `/room/${roomId}/messages?offset=0&size=100`)) as { message: string }[];
  return page.map((m) => m.message);
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

describe("web client: banned while signed in", () => {
  for (const [size, viewport] of SIZES) {
    it(`the page says an administrator banned the account and why, and keeps the draft typed there without sending it (${size})`, async () => {
      const alice = await account("alice");
      const name = `carol-${size}`;
      const carol = await account(name);
      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, name);
      await openRoom(page, "General");
      const draft = `half a thought from ${name}`;
      await typeDraft(page, draft);

      await as(alice, "POST", `/users/${carol.id}/ban`, { reason: "spam in General" });
      const notice = page.getByRole("alert").filter({ hasText: "This account was banned by an administrator." });
      await notice.waitFor({ timeout: 10_000 });
      await notice.getByText("Reason given: spam in General").waitFor();
      const held = page.getByRole("region", { name: "Messages not sent" });
      await held.getByText(`Draft in General: ${draft}`).waitFor();
      await held.getByText("The account can no longer post", { exact: false }).waitFor();
      expect((await axeViolations(page)).join("\n")).toBe("");
      await shot(page, `ban-notice-${size}`);

      // A reload keeps both (the notice for this tab, the draft for this account), and nothing was sent.
      await page.reload();
      await notice.waitFor();
      await held.getByText(`Draft in General: ${draft}`).waitFor();
      expect(await storedTexts()).not.toContain(draft);

      // Signing in again is refused, and says so; the draft can be forgotten.
      await page.getByLabel("Username").fill(name);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").getByText(/This account is banned/).waitFor();
      await held.getByRole("button", { name: "Forget it" }).click();
      await held.waitFor({ state: "detached" });
      expect(await page.evaluate((id) => localStorage.getItem(`redis-chat:drafts:${id}`), carol.id)).toBeNull();
    });
  }
});

describe("web client: signing out", () => {
  it("'Sign out everywhere' asks first; the other device is told why and its draft comes back when it signs in again", async () => {
    await account("bob");
    const desk = await newPage(env.browser, DESKTOP);
    const phone = await newPage(env.browser, PHONE);
    await signInAs(desk.page, "bob");
    await signInAs(phone.page, "bob");
    await openRoom(phone.page, "General");
    const draft = "typed on the phone, not sent";
    await typeDraft(phone.page, draft);

    await desk.page.getByRole("button", { name: "Settings" }).click();
    const settings = desk.page.getByRole("dialog", { name: "Settings" });
    await settings.getByRole("tab", { name: "Sessions" }).click();
    await settings.getByRole("button", { name: "Sign out everywhere…" }).click();
    const confirm = desk.page.getByRole("alertdialog", { name: "Sign out everywhere?" });
    await confirm.waitFor();
    // Focus starts on Cancel: Enter or Escape does no harm.
    expect(await confirm.getByRole("button", { name: "Cancel" }).evaluate((el) => el === document.activeElement)).toBe(true);
    expect((await axeViolations(desk.page)).join("\n")).toBe("");
    await shot(desk.page, "signout-everywhere-confirm-desktop");
    await desk.page.keyboard.press("Escape");
    await confirm.waitFor({ state: "detached" });
    await settings.waitFor();
    await phone.page.waitForTimeout(300);
    // Cancelled: the phone is still signed in, its draft still in the box.
    expect(await phone.page.getByLabel("Username").count()).toBe(0);
    expect(await phone.page.getByRole("textbox", { name: "Message" }).inputValue()).toBe(draft);

    await settings.getByRole("button", { name: "Sign out everywhere…" }).click();
    await confirm.getByRole("button", { name: "Sign out everywhere" }).click();
    await desk.page.getByRole("alert").filter({ hasText: "You signed out on every device, this one included." }).waitFor({ timeout: 10_000 });

    await phone.page.getByRole("alert").filter({ hasText: "You were signed out from another device." }).waitFor({ timeout: 10_000 });
    const held = phone.page.getByRole("region", { name: "Messages not sent" });
    await held.getByText(`Draft in General: ${draft}`).waitFor();
    expect((await axeViolations(phone.page)).join("\n")).toBe("");
    await shot(phone.page, "signed-out-elsewhere-phone");
    await shot(desk.page, "signed-out-everywhere-desktop");

    // Signed in again on the room's address: the room opens at once, its draft back in the box.
    await phone.page.getByLabel("Username").fill("bob");
    await phone.page.getByLabel("Password").fill(PASSWORD);
    await phone.page.getByRole("button", { name: "Sign in" }).click();
    await phone.page.getByRole("heading", { name: "General", exact: true }).waitFor();
    expect(await phone.page.getByRole("textbox", { name: "Message" }).inputValue()).toBe(draft);
    expect(await storedTexts()).not.toContain(draft);
  });

  it("'Sign out everywhere' asks first on a phone too", async () => {
    const { page } = await newPage(env.browser, PHONE);
    await signInAs(page, "bob");
    await page.getByRole("button", { name: "Settings" }).click();
    const settings = page.getByRole("dialog", { name: "Settings" });
    await settings.getByRole("tab", { name: "Sessions" }).click();
    await settings.getByRole("button", { name: "Sign out everywhere…" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Sign out everywhere?" });
    await confirm.waitFor();
    expect((await axeViolations(page)).join("\n")).toBe("");
    await shot(page, "signout-everywhere-confirm-phone");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await confirm.waitFor({ state: "detached" });
  });

  for (const [size, viewport] of SIZES) {
    it(`signing out in one tab tells the browser's other tabs why they went back to sign-in (${size})`, async () => {
      await account("dora");
      const { context, page } = await newPage(env.browser, viewport);
      await signInAs(page, "dora");
      const other = await context.newPage();
      await other.goto(env.stack.url);
      await waitOnline(other);
      await page.getByRole("button", { name: "Log out" }).click();
      await page.getByLabel("Username").waitFor();
      await other.getByRole("alert").filter({ hasText: "You signed out in another tab or window of this browser." }).waitFor({ timeout: 10_000 });
      // The tab that signed out itself needs no explanation.
      expect(await page.getByRole("alert").count()).toBe(0);
      expect((await axeViolations(other)).join("\n")).toBe("");
      await shot(other, `signed-out-other-tab-${size}`);
    });
  }
});

describe("web client: Add members leaves out banned and deactivated people", () => {
  for (const [size, viewport] of SIZES) {
    it(`a person banned or deactivated before the page loaded is not offered, and one banned while the picker is open leaves it and the choice (${size})`, async () => {
      const alice = await account("alice");
      const [banned, gone, later, kept] = await Promise.all(["banned", "gone", "later", "kept"].map((p) => account(`${p}-${size}`)));
      // Known to the page already: they posted in General.
      for (const who of [banned!, gone!, later!, kept!]) await as(who, "POST", "/room/0/messages", { message: `hello from ${size}` });
      await as(alice, "POST", `/users/${banned!.id}/ban`, {});
      await as(alice, "PATCH", `/users/${gone!.id}`, { deactivated: true });
      const roomName = `ops-${size}`;
      await as(alice, "POST", "/rooms", { name: roomName, visibility: "open" });

      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, "alice");
      await openRoom(page, roomName);
      await page.getByRole("button", { name: "Room details" }).click();
      const panel = page.getByRole("complementary", { name: "Room details" });
      const picker = panel.getByRole("searchbox", { name: "Add members" });
      const offered = (name: string) => panel.locator(".picker__list").getByText(name, { exact: true });
      await offered(`kept-${size}`).waitFor({ timeout: 10_000 });
      await offered(`later-${size}`).waitFor();
      expect(await offered(`banned-${size}`).count()).toBe(0);
      expect(await offered(`gone-${size}`).count()).toBe(0);
      // Found by name neither.
      await picker.fill(`banned-${size}`);
      await panel.getByText(`Nobody called “banned-${size}”.`).waitFor({ timeout: 10_000 });
      await picker.fill("");
      await offered(`later-${size}`).waitFor();

      // Chosen, then banned while the picker is open: gone from the list and from the choice.
      await panel.locator(".picker__row", { hasText: `later-${size}` }).getByRole("checkbox").check();
      await panel.getByRole("button", { name: `Remove later-${size}` }).waitFor();
      await as(alice, "POST", `/users/${later!.id}/ban`, {});
      await offered(`later-${size}`).waitFor({ state: "detached", timeout: 10_000 });
      await panel.getByRole("button", { name: `Remove later-${size}` }).waitFor({ state: "detached" });
      await offered(`kept-${size}`).waitFor();
      expect((await axeViolations(page)).join("\n")).toBe("");
      await shot(page, `add-members-${size}`);
      await as(alice, "DELETE", `/users/${later!.id}/ban`);
    });
  }
});

describe("web client: the audit log reads as people speak", () => {
  for (const [size, viewport] of SIZES) {
    it(`an invitation for 100 people that lasts a week reads 'up to 100 uses, expires in 1 week' (${size})`, async () => {
      const alice = await account("alice");
      await as(alice, "POST", "/invites", { maxUses: 100, expiresInHours: 168 });
      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, "alice");
      await page.getByRole("button", { name: "Admin" }).click();
      const admin = page.getByRole("dialog", { name: "Administration" });
      await admin.getByRole("tab", { name: "Audit log" }).click();
      await admin.getByRole("listitem").filter({ hasText: "alice created an invitation — up to 100 uses, expires in 1 week" }).first().waitFor();
      expect(await admin.getByText("use(s)", { exact: false }).count()).toBe(0);
      expect((await axeViolations(page)).join("\n")).toBe("");
      await shot(page, `audit-${size}`);
    });

    it(`entries read as sentences with people's display names: whose message was deleted where, and only the settings that changed, in words (${size})`, async () => {
      const alice = await account("alice");
      const admin = await account(`audrey-${size}`, `Audrey Auditor ${size}`);
      const bob = await account(`bob-${size}`, `Bob Builder ${size}`);
      await as(alice, "PATCH", `/users/${admin.id}`, { role: "admin" });
      const posted = (await as(bob, "POST", "/room/0/messages", { message: `off-topic from bob on ${size}` })) as { id: string };
      await as(admin, "DELETE", `/room/0/messages/${encodeURIComponent(posted.id)}`);
      // The Place form sends every field: only the name is new.
      const now = (await as(admin, "GET", "/place/settings")) as Record<string, string>;
      const signUp = now.registration === "invite" ? "closed" : "invite";
      await as(admin, "PATCH", "/place/settings", { ...now, placeName: `Acme Corp ${size}` });
      await as(admin, "PATCH", "/place/settings", { ...now, placeName: `Acme Corp ${size}`, registration: signUp });
      // As they were, for the tests after this one.
      await as(alice, "PATCH", "/place/settings", now);
      await as(admin, "PATCH", `/users/${bob.id}`, { deactivated: true });

      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, `audrey-${size}`);
      await page.getByRole("button", { name: "Admin" }).click();
      const dialog = page.getByRole("dialog", { name: "Administration" });
      await dialog.getByRole("tab", { name: "Audit log" }).click();
      const entry = (text: string) => dialog.getByRole("listitem").filter({ hasText: text }).first();
      await entry(`Audrey Auditor ${size} deleted Bob Builder ${size}'s message in General`).waitFor();
      await entry(`Audrey Auditor ${size} renamed the place to “Acme Corp ${size}”`).waitFor();
      const signUpEntry = entry(`Audrey Auditor ${size} ${signUp === "invite" ? "made sign-up invitation-only" : "closed sign-up"}`);
      expect(await signUpEntry.textContent()).not.toContain("renamed");
      await entry(`Audrey Auditor ${size} deactivated Bob Builder ${size}'s account`).waitFor();
      await entry(`alice made Audrey Auditor ${size} an administrator`).waitFor();
      expect(await dialog.getByText("=", { exact: false }).count()).toBe(0);
      expect(await dialog.getByText("defaultNotificationLevel", { exact: false }).count()).toBe(0);
      expect((await axeViolations(page)).join("\n")).toBe("");
      await shot(page, `audit-sentences-${size}`);
    });
  }
});
