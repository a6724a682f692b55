import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations } from "./axe.js";
import { connect } from "../support/chat-client.js";
import { messageList, newPage, people, useBrowserStack, waitOnline } from "./harness.js";
import { accountsByApi } from "./accounts-by-api.js";

/**
 * Issue 18 in Chromium, desktop and phone: display names in reactions and the @ autocomplete (also
 * of people offline who never posted), the People list live for new, deactivated and reactivated
 * accounts, "Notify me when X comes online" (an alert, not a timeline line), and one's own default
 * notification level in the settings. Every screen checked with axe-core.
 */
const env = useBrowserStack({ demoData: false, adminUsernames: ["ada"] });
const PHONE = { width: 390, height: 844 };
const PASSWORD = "a-long-password";

const { account, as, signInAs } = accountsByApi(env, PASSWORD);

/** On a phone the chat list comes first: open General. */
async function openGeneral(page: Page, phone: boolean): Promise<void> {
  if (phone) await page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: /General/ }).first().click();
  await page.getByRole("heading", { name: "General" }).waitFor();
}

describe("web client: people by their display names", () => {
  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`a reaction's tooltip and the @ autocomplete show display names, also of people offline who never posted (${size})`, async () => {
      await account("ada");
      const bob = await account("bob", "Bob Stone");
      const cyd = await account("cyd", "Cyd Quiet");
      await account("dee", "Dee Never");
      const posted = (await as(bob, "POST", "/room/0/messages", { message: `hello from bob on ${size}` })) as { id: string };
      // cyd never posted and has no socket: only the reaction names them.
      await as(cyd, "PUT", `/room/0/messages/${encodeURIComponent(posted.id)}/reactions/${encodeURIComponent("👍")}`);

      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, "ada");
      await openGeneral(page, size === "phone");
      const row = messageList(page).locator("li.msg", { hasText: `hello from bob on ${size}` });
      const reaction = row.getByRole("button", { name: /^👍 1/ });
      await expect.poll(() => reaction.getAttribute("title"), { timeout: 10_000 }).toBe("Cyd Quiet");
      expect(await reaction.getAttribute("aria-label")).toContain("Cyd Quiet");
      expect(await row.textContent()).not.toMatch(/User \d/);

      const box = page.getByRole("textbox", { name: "Message" });
      await box.fill("thanks @sto");
      const list = page.getByRole("listbox", { name: "People to mention" });
      await list.getByRole("option", { name: "Bob Stone @bob" }).waitFor();
      // dee never posted and is offline: the people directory offers them all the same.
      await box.fill("and @dee");
      await list.getByRole("option", { name: "Dee Never @dee" }).waitFor();
      // (On a phone the open list covers the last message's name: checked once it is closed.)
      if (size === "desktop") expect((await axeViolations(page)).join("\n")).toBe("");
      await box.press("Enter");
      expect(await box.inputValue()).toBe("and @dee ");
      // (The pointer left where a click was would show a message's toolbar over its name.)
      await page.mouse.move(1, 1);
      expect((await axeViolations(page)).join("\n")).toBe("");
    });
  }

  it("a bare @ offers those who may be mentioned, online first: the people directory in General, the members in a room", async () => {
    await account("mia");
    // ned is online (a socket) and abe offline; neither ever posted, so the page has never seen them.
    const ned = await account("ned");
    const abe = await account("abe");
    const socket = await connect(env.stack.url, ned.cookie);
    try {
      const { page } = await newPage(env.browser);
      await signInAs(page, "mia");
      await openGeneral(page, false);
      const box = page.getByRole("textbox", { name: "Message" });
      const options = page.getByRole("listbox", { name: "People to mention" }).getByRole("option");
      await box.fill("hi @");
      // abe sorts first by name: only the directory's answer can put ned, online, before him.
      await expect.poll(() => options.allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining(["@ned", "@abe"]));
      expect((await options.allTextContents()).slice(0, 2)).toEqual(["@ned", "@abe"]);

      // A closed room of mia and abe: abe alone is offered (a mention of anyone else is not recorded).
      const made = await as(await account("mia"), "POST", "/rooms", { name: "mia-and-abe", visibility: "closed", members: [abe.id] }) as { id: string };
      await page.goto(`${env.stack.url}/#/room/${encodeURIComponent(made.id)}`);
      await page.getByRole("heading", { name: "mia-and-abe" }).waitFor();
      await box.fill("@");
      await expect.poll(() => options.allTextContents(), { timeout: 10_000 }).toEqual(["@abe"]);
    } finally {
      socket.disconnect();
    }
  });
});

describe("web client: the People list, live", () => {
  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`a new account appears, a deactivated one leaves and a reactivated one comes back, without a reload (${size})`, async () => {
      const ada = await account("ada");
      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, "ada");
      const list = people(page);
      const name = `newbie-${size}`;
      const newbie = await account(name);
      const row = list.getByRole("button", { name, exact: true });
      await row.waitFor({ timeout: 10_000 });
      await as(ada, "PATCH", `/users/${newbie.id}`, { deactivated: true });
      await row.waitFor({ state: "detached", timeout: 10_000 });
      await as(ada, "PATCH", `/users/${newbie.id}`, { deactivated: false });
      await row.waitFor({ timeout: 10_000 });
      expect((await axeViolations(page)).join("\n")).toBe("");
    });
  }
});

describe("web client: a person coming online keeps their display name", () => {
  it("the People row and their messages show the display name before and after they sign in, without a reload", async () => {
    await account("ada");
    // Never posted: nothing but the directory names her before her presence event arrives.
    const carol = await account("carol-live", "Carol Chen");
    const { page } = await newPage(env.browser);
    await signInAs(page, "ada");
    const row = people(page).getByRole("button", { name: "Carol Chen", exact: true });
    await row.waitFor({ timeout: 10_000 });
    const state = async () => page.locator(`#${await row.getAttribute("aria-describedby")}`).textContent();
    expect(await state()).toBe("offline");

    // carol signs in elsewhere: her presence event carries only id, username and online.
    const other = await newPage(env.browser);
    await signInAs(other.page, "carol-live");
    await expect.poll(state, { timeout: 10_000 }).toBe("online");
    await row.waitFor();
    expect(await people(page).getByRole("button", { name: "carol-live", exact: true }).count()).toBe(0);
    await openGeneral(page, false);
    await as(carol, "POST", "/room/0/messages", { message: "carol was here" });
    await messageList(page).locator("li.msg", { hasText: "carol was here" }).getByRole("button", { name: "Carol Chen", exact: true }).waitFor();
  });
});

describe("web client: deactivated while signed in", () => {
  it("the page goes back to sign-in and says the account was deactivated", async () => {
    const ada = await account("ada");
    const gone = await account("gone-soon");
    const { page } = await newPage(env.browser);
    await signInAs(page, "gone-soon");
    await as(ada, "PATCH", `/users/${gone.id}`, { deactivated: true });
    await page.getByRole("alert").filter({ hasText: "This account was deactivated: ask an administrator" }).waitFor({ timeout: 10_000 });
    await page.getByLabel("Username").waitFor();
    expect((await axeViolations(page)).join("\n")).toBe("");
  });
});

describe("web client: the administrators' Accounts list follows changes", () => {
  it("an account created there and one deactivated from its Manage card show at once, without a reload", async () => {
    await account("ada");
    const { page } = await newPage(env.browser);
    await signInAs(page, "ada");
    await page.getByRole("button", { name: "Admin" }).click();
    const admin = page.getByRole("dialog", { name: "Administration" });
    await admin.getByRole("tab", { name: "Accounts" }).click();
    const list = admin.getByRole("list", { name: "Accounts" });
    await list.getByRole("listitem").first().waitFor();

    const form = admin.getByRole("form", { name: "Create an account" });
    await form.getByLabel("Username").fill("madehere");
    await form.getByLabel("Password").fill(PASSWORD);
    await form.getByRole("button", { name: "Create account" }).click();
    const row = list.getByRole("listitem").filter({ hasText: "@madehere" });
    await row.waitFor({ timeout: 10_000 });

    await row.getByRole("button", { name: "Manage madehere" }).click();
    const card = page.getByRole("dialog", { name: "madehere" });
    await card.getByRole("button", { name: "Deactivate…" }).click();
    await card.getByRole("form", { name: "Deactivate madehere" }).getByRole("button", { name: "Deactivate madehere" }).click();
    await card.getByRole("button", { name: "Reactivate" }).waitFor();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain("deactivated");
  });
});

describe("web client: tell me when someone comes online", () => {
  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`the profile card's toggle is kept; when that person comes online an alert says so, and the timeline does not (${size})`, async () => {
      const watcherName = `watcher-${size}`;
      const friendName = `friend-${size}`;
      const friend = await account(friendName, `Friend ${size === "phone" ? "Phone" : "Desk"}`);
      const shown = `Friend ${size === "phone" ? "Phone" : "Desk"}`;
      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, watcherName);
      // The card opens from a name in a message too (the People row opens it as well: profiles.test.ts).
      await as(friend, "POST", "/room/0/messages", { message: `friend here (${size})` });
      await openGeneral(page, size === "phone");
      // (Pressed, not clicked: on a phone a message's toolbar may cover the name.)
      await messageList(page).getByRole("button", { name: shown, exact: true }).first().press("Enter");
      const card = page.getByRole("dialog", { name: shown });
      const toggle = card.getByRole("checkbox", { name: `Notify me when ${shown} comes online` });
      await toggle.check();
      await expect.poll(async () => ((await as(await account(watcherName), "GET", "/me/presence-alerts")) as { userIds: number[] }).userIds, { timeout: 5000 }).toEqual([friend.id]);
      expect((await axeViolations(page)).join("\n")).toBe("");
      await card.getByRole("button", { name: "Close" }).click();

      // The friend signs in elsewhere.
      const other = await newPage(env.browser);
      await signInAs(other.page, friendName);
      const alert = page.getByRole("status", { name: "People who came online" }).getByText(`${shown} is online`);
      await alert.waitFor({ timeout: 10_000 });
      expect((await axeViolations(page)).join("\n")).toBe("");
      expect(await messageList(page).textContent()).not.toContain("online");
      // The alert's Message opens the conversation.
      await page.getByRole("status", { name: "People who came online" }).getByRole("button", { name: "Message" }).click();
      await page.getByRole("heading", { name: shown }).waitFor();

      // Kept on the server: after a reload the card still has it on.
      await page.goto(env.stack.url);
      await waitOnline(page);
      await openGeneral(page, size === "phone");
      await messageList(page).getByRole("button", { name: shown, exact: true }).first().press("Enter");
      expect(await page.getByRole("dialog", { name: shown }).getByRole("checkbox", { name: /Notify me when/ }).isChecked()).toBe(true);
    });
  }
});

describe("web client: one's default notification level", () => {
  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`the settings offer it, and a room without its own level follows it (${size})`, async () => {
      const username = `quiet-${size}`;
      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, username);
      await page.getByRole("button", { name: "Settings" }).click();
      const settings = page.getByRole("dialog", { name: "Settings" });
      await settings.getByRole("tab", { name: "Notifications" }).click();
      await settings.getByRole("radio", { name: "As the place's default (mentions)" }).waitFor();
      expect(await settings.getByRole("radio", { name: /As the place's default/ }).isChecked()).toBe(true);
      await settings.getByRole("radio", { name: "Every message" }).check();
      await settings.getByText("Saved.").waitFor();
      expect((await axeViolations(page)).join("\n")).toBe("");
      await settings.getByRole("button", { name: "Close" }).click();
      await openGeneral(page, size === "phone");
      await page.getByRole("button", { name: "Notifications: Every message" }).waitFor();
      // Kept on the server for every device: a new page reads it.
      const other = await newPage(env.browser, viewport);
      await signInAs(other.page, username);
      await openGeneral(other.page, size === "phone");
      await other.page.getByRole("button", { name: "Notifications: Every message" }).waitFor();
      // Back to the place's default.
      if (size === "phone") await page.getByRole("button", { name: "Back to chats" }).click();
      await page.getByRole("button", { name: "Settings" }).click();
      await settings.getByRole("tab", { name: "Notifications" }).click();
      await settings.getByRole("radio", { name: /As the place's default/ }).check();
      await settings.getByText("Saved.").waitFor();
      await settings.getByRole("button", { name: "Close" }).click();
      await openGeneral(page, size === "phone");
      await page.getByRole("button", { name: "Notifications: Mentions only" }).waitFor();
      // Following the place's default, the room follows an administrator's change of it at once.
      const ada = await account("ada");
      await as(ada, "PATCH", "/place/settings", { defaultNotificationLevel: "none" });
      try {
        await page.getByRole("button", { name: "Notifications: Nothing" }).waitFor({ timeout: 10_000 });
      } finally {
        await as(ada, "PATCH", "/place/settings", { defaultNotificationLevel: "mentions" });
      }
    });
  }
});

describe("web client: the other screens pass axe-core (WCAG 2.2 AA)", () => {
  for (const [size, viewport] of [["desktop", undefined], ["phone", PHONE]] as const) {
    it(`sign-in, password reset, search, saved messages, the rooms directory, a room's details and pins, and every administration tab (${size})`, async () => {
      const check = async (page: Page, screen: string) => {
        await page.mouse.move(1, 1);
        expect((await axeViolations(page)).join("\n"), screen).toBe("");
      };
      const { page } = await newPage(env.browser, viewport);
      await page.goto(env.stack.url);
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      await check(page, "sign-in");
      await page.goto(`${env.stack.url}/?reset=${"x".repeat(32)}`);
      await page.getByRole("alert").getByText(/reset link is not valid/).waitFor();
      await check(page, "password reset, its link not valid");

      await signInAs(page, "ada");
      await page.getByRole("button", { name: "New room" }).click();
      const dialog = page.getByRole("dialog", { name: "New room" });
      await dialog.getByLabel("Name").fill(`axe-${size}`);
      await dialog.getByRole("button", { name: "Create room" }).click();
      await page.getByRole("heading", { name: `axe-${size}` }).waitFor();
      await page.getByRole("button", { name: "Pinned messages" }).click();
      await page.getByRole("dialog", { name: /Pinned/ }).waitFor();
      await check(page, "pins");
      await page.getByRole("dialog", { name: /Pinned/ }).getByRole("button", { name: "Close" }).click();
      await page.getByRole("button", { name: "Room details" }).click();
      await page.getByRole("complementary").or(page.getByRole("dialog")).first().waitFor();
      await check(page, "room details");
      // (On a phone the details cover the screen: start again from the chat list, the first screen there.)
      await page.goto(env.stack.url);
      await waitOnline(page);

      await page.getByRole("button", { name: "Browse rooms" }).click();
      await page.getByRole("dialog").first().waitFor();
      await check(page, "rooms directory");
      await page.keyboard.press("Escape");
      await page.getByRole("button", { name: "Saved messages" }).click();
      await page.getByRole("dialog", { name: "Saved messages" }).waitFor();
      await check(page, "saved messages");
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+k");
      await page.getByRole("searchbox").or(page.getByRole("textbox", { name: /Search/ })).first().fill("hello");
      await page.waitForTimeout(500);
      await check(page, "search");
      await page.keyboard.press("Escape");

      await page.getByRole("button", { name: "Admin" }).click();
      const admin = page.getByRole("dialog", { name: "Administration" });
      for (const tab of ["Invitations", "Accounts", "Place", "Bans", "Audit log"]) {
        await admin.getByRole("tab", { name: tab }).click();
        await page.waitForTimeout(300);
        await check(page, `administration: ${tab}`);
      }
    });
  }
});
