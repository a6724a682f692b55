import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chats, messageList, newPage, people, sendMessage, signIn, useBrowserStack } from "./harness.js";

// Invitations only, and Pablo (a demo user) an administrator, as ADMIN_USERNAMES would make him.
const env = useBrowserStack({ registration: "invite", adminUsernames: ["Pablo"] });

/** A chat's row: its button (named by the room) with the preview and badges beside it. */
function room(page: Page, name: string) {
  return chats(page).getByRole("listitem").filter({ has: page.getByRole("button", { name, exact: true }) });
}

async function createRoom(page: Page, name: string, options: { topic?: string; closed?: boolean; members?: string[] } = {}) {
  await chats(page).getByRole("button", { name: "New room" }).click();
  const dialog = page.getByRole("dialog", { name: "New room" });
  // The name field has the focus when the dialog opens: typing goes straight into it.
  await dialog.getByLabel("Name").waitFor();
  await page.keyboard.type(name);
  if (options.topic) await dialog.getByLabel("Topic").fill(options.topic);
  if (options.closed) await dialog.getByRole("radio", { name: /Closed/ }).check();
  for (const member of options.members ?? []) {
    await dialog.getByLabel("Add members").fill(member);
    await dialog.getByRole("checkbox", { name: member }).check();
  }
  await dialog.getByRole("button", { name: "Create room" }).click();
  await page.getByRole("heading", { name, exact: true }).waitFor();
}

describe("web client: rooms people make", { timeout: 60_000 }, () => {
  it("creating a closed room with a member shows it to that member at once, and only to them; renaming and removal follow live", async () => {
    const pablo = await newPage(env.browser);
    const mary = await newPage(env.browser);
    const joe = await newPage(env.browser);
    await Promise.all([signIn(pablo.page, env.stack.url, "Pablo"), signIn(mary.page, env.stack.url, "Mary"), signIn(joe.page, env.stack.url, "Joe")]);

    await createRoom(pablo.page, "plans-e2e", { topic: "What we do next", closed: true, members: ["Mary"] });
    await pablo.page.getByText("What we do next · 2 members").waitFor();
    await sendMessage(pablo.page, "First plan: ship it");

    await room(mary.page, "plans-e2e").getByText("First plan: ship it").waitFor();
    await room(mary.page, "plans-e2e").getByLabel("1 unread").waitFor();
    await room(mary.page, "plans-e2e").click();
    await messageList(mary.page).getByText("First plan: ship it").waitFor();
    expect(await room(joe.page, "plans-e2e").count()).toBe(0);

    // The manager renames it: Mary's sidebar and header follow live.
    await pablo.page.getByRole("button", { name: "Room details" }).click();
    const panel = pablo.page.getByRole("complementary", { name: "Room details" });
    await panel.getByRole("textbox", { name: "Name" }).fill("plans-renamed");
    await panel.getByRole("textbox", { name: "Topic" }).fill("Renamed live");
    await panel.getByRole("button", { name: "Save changes" }).click();
    await room(mary.page, "plans-renamed").waitFor();
    await mary.page.getByRole("heading", { name: "plans-renamed", exact: true }).waitFor();
    await mary.page.getByText("Renamed live", { exact: false }).first().waitFor();

    // The manager removes Mary: the room leaves her sidebar live.
    await panel.getByRole("button", { name: "Remove Mary" }).click();
    await room(mary.page, "plans-renamed").waitFor({ state: "detached" });
    await mary.page.getByText("You were removed from “plans-renamed”.").waitFor();
    await panel.getByRole("list", { name: "Members" }).getByText("Mary").waitFor({ state: "detached" });
  });

  it("an open room is joined from the directory in one click, and the owner sees the new member", async () => {
    const joe = await newPage(env.browser);
    const mary = await newPage(env.browser);
    await Promise.all([signIn(joe.page, env.stack.url, "Joe"), signIn(mary.page, env.stack.url, "Mary")]);
    await createRoom(joe.page, "open-e2e", { topic: "Everyone welcome" });
    await joe.page.getByRole("button", { name: "Room details" }).click();
    const members = joe.page.getByRole("complementary", { name: "Room details" }).getByRole("list", { name: "Members" });
    await members.getByText("Joe (you)").waitFor();

    await chats(mary.page).getByRole("button", { name: "Browse" }).click();
    const directory = mary.page.getByRole("dialog", { name: "Browse rooms" });
    // The filter has the focus when the dialog opens: typing goes straight into it.
    await directory.getByLabel("Filter rooms").waitFor();
    await mary.page.keyboard.type("welcome");
    await directory.getByText("Everyone welcome · 1 member").waitFor();
    await directory.getByRole("button", { name: "Join open-e2e" }).click();
    await mary.page.getByRole("heading", { name: "open-e2e", exact: true }).waitFor();
    expect(await directory.count()).toBe(0);
    await room(mary.page, "open-e2e").waitFor();

    await members.getByText("Mary").waitFor();
    await sendMessage(mary.page, "Hello open room");
    await messageList(joe.page).getByText("Hello open room").waitFor();

    // Leaving takes it out of her list; the directory offers it again.
    await mary.page.getByRole("button", { name: "Room details" }).click();
    await mary.page.getByRole("button", { name: "Leave room" }).click();
    await room(mary.page, "open-e2e").waitFor({ state: "detached" });
    await members.getByText("Mary").waitFor({ state: "detached" });
  });

  it("a group conversation started from the people list reaches everyone in it, and opening it again gives the same room", async () => {
    const pablo = await newPage(env.browser);
    const alex = await newPage(env.browser);
    const mary = await newPage(env.browser);
    await Promise.all([signIn(pablo.page, env.stack.url, "Pablo"), signIn(alex.page, env.stack.url, "Alex"), signIn(mary.page, env.stack.url, "Mary")]);

    const choose = async (page: Page, names: string[]) => {
      await people(page).getByRole("button", { name: "New group" }).click();
      for (const name of names) await people(page).getByLabel(`Choose ${name}`).check();
      // Each name whole (a five-letter "Pablo" was cut to "Pa…"), and the button on one line.
      const cut = await people(page).locator(".row--choose .row__name").evaluateAll((names) =>
        names.filter((n) => n.scrollWidth > n.clientWidth).map((n) => n.textContent));
      expect(cut).toEqual([]);
      const start = people(page).getByRole("button", { name: "Start group" });
      expect(await start.evaluate((b) => b.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(b).lineHeight))).toBe(true);
      await start.click();
    };
    await choose(pablo.page, ["Alex", "Mary"]);
    await pablo.page.getByRole("heading", { name: "Alex, Mary", exact: true }).waitFor();
    await sendMessage(pablo.page, "Group plans for Friday?");

    await room(alex.page, "Mary, Pablo").getByText("Group plans for Friday?").waitFor();
    await room(mary.page, "Alex, Pablo").click();
    await messageList(mary.page).getByText("Group plans for Friday?").waitFor();
    await sendMessage(mary.page, "Friday works");
    await messageList(pablo.page).getByText("Friday works").waitFor();

    // The same three people again: the same conversation, not a second one.
    await choose(alex.page, ["Mary", "Pablo"]);
    await alex.page.getByRole("heading", { name: "Mary, Pablo", exact: true }).waitFor();
    await messageList(alex.page).getByText("Friday works").waitFor();
    expect(await room(alex.page, "Mary, Pablo").count()).toBe(1);
  });

  it("unread counts come from the server: a reload and a second tab see the same badge", async () => {
    const joe = await newPage(env.browser);
    const mary = await newPage(env.browser);
    await Promise.all([signIn(joe.page, env.stack.url, "Joe"), signIn(mary.page, env.stack.url, "Mary")]);
    await createRoom(joe.page, "unread-e2e", { closed: true, members: ["Mary"] });
    await sendMessage(joe.page, "one");
    await sendMessage(joe.page, "two");
    await room(mary.page, "unread-e2e").getByLabel("2 unread").waitFor();
    await mary.page.reload();
    await room(mary.page, "unread-e2e").getByLabel("2 unread").waitFor();

    // Reading it in another tab clears the badge here too.
    const second = await mary.context.newPage();
    await second.goto(env.stack.url);
    await room(second, "unread-e2e").click();
    await messageList(second).getByText("two").waitFor();
    await room(mary.page, "unread-e2e").getByLabel("2 unread").waitFor({ state: "detached" });
  });
});

describe("web client: administrators and invitations", { timeout: 60_000 }, () => {
  it("an invitation link signs a new person up; without a code the same name is refused", async () => {
    const pablo = await newPage(env.browser);
    await signIn(pablo.page, env.stack.url, "Pablo");
    await pablo.page.getByRole("button", { name: "Admin" }).click();
    const admin = pablo.page.getByRole("dialog", { name: "Administration" });
    await admin.getByRole("button", { name: "Create invitation link" }).click();
    const url = await admin.getByLabel("Invitation link", { exact: true }).first().inputValue();
    expect(url).toMatch(/\?invite=[A-Za-z0-9_-]{8,}/);

    // Without the code: asked to confirm, and refused for want of an invitation.
    const stranger = await newPage(env.browser);
    await stranger.page.goto(env.stack.url);
    await stranger.page.getByLabel("Username").fill("invited_e2e");
    await stranger.page.getByLabel("Password").fill("long-enough-password");
    await stranger.page.getByRole("button", { name: "Sign in" }).click();
    await stranger.page.getByLabel("Invitation code").waitFor();
    await stranger.page.getByRole("button", { name: "Create account" }).click();
    await stranger.page.getByRole("alert").waitFor();
    expect(await stranger.page.getByRole("button", { name: "Log out" }).count()).toBe(0);

    // With the link: "Create your account" at once, one step, and no failed sign-in on the way.
    const invited = await newPage(env.browser);
    const link = url.replace(/^https?:\/\/[^/]+/, env.stack.url);
    const failed: string[] = [];
    invited.page.on("response", (res) => { if (res.status() >= 400) failed.push(`${res.request().method()} ${new URL(res.url()).pathname} ${res.status()}`); });
    await invited.page.goto(link);
    await invited.page.getByRole("heading", { name: "Create your account" }).waitFor();
    await invited.page.getByLabel("Username").fill("invited_e2e");
    await invited.page.getByLabel("Password", { exact: true }).fill("long-enough-password");
    await invited.page.getByLabel("Confirm password").fill("long-enough-password");
    await invited.page.getByRole("button", { name: "Create account" }).click();
    await invited.page.getByRole("button", { name: "Log out" }).waitFor();
    expect(new URL(invited.page.url()).search).toBe("");
    expect(failed).toEqual([]);

    // The spent link says so on arrival, on a phone too, before anyone types anything.
    const again = await newPage(env.browser, { width: 390, height: 844 });
    await again.page.goto(link);
    await again.page.getByRole("alert").filter({ hasText: "This invitation has already been used." }).waitFor();
    expect(await again.page.getByRole("button", { name: "Create account" }).isDisabled()).toBe(true);
    await again.page.screenshot({ path: "/tmp/fixprofile-invite-used-phone.png" });
    await again.page.getByRole("button", { name: "I already have an account: sign in" }).click();
    await again.page.getByRole("button", { name: "Sign in" }).waitFor();

    // A single-use link is spent: it leaves the administrator's list; the audit log has it.
    await admin.getByRole("tab", { name: "Bans" }).click();
    await admin.getByRole("tab", { name: "Invitations" }).click();
    await admin.getByText("No invitation link is open.").waitFor();
    await admin.getByRole("tab", { name: "Audit log" }).click();
    await admin.getByText("created an invitation").first().waitFor();
  });

  it("a banned person is signed out at once and cannot sign in again until the ban is lifted", async () => {
    const pablo = await newPage(env.browser);
    const alex = await newPage(env.browser);
    await Promise.all([signIn(pablo.page, env.stack.url, "Pablo"), signIn(alex.page, env.stack.url, "Alex")]);
    await pablo.page.getByRole("button", { name: "Admin" }).click();
    const admin = pablo.page.getByRole("dialog", { name: "Administration" });
    await admin.getByRole("tab", { name: "Bans" }).click();
    await admin.getByLabel("Find people by name").fill("Alex");
    // A ban is asked for first, with a reason; cancelling bans no one.
    await admin.getByRole("button", { name: "Ban Alex…" }).click();
    const confirm = admin.getByRole("form", { name: "Ban Alex" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect(await confirm.count()).toBe(0);
    await admin.getByRole("button", { name: "Ban Alex…" }).click();
    await confirm.getByLabel("Reason (kept in the audit log)").fill("spam in General");
    await confirm.getByRole("button", { name: "Ban Alex", exact: true }).click();
    await admin.getByRole("button", { name: "Lift ban on Alex" }).waitFor();
    await alex.page.getByLabel("Username").waitFor();
    await alex.page.getByRole("alert").filter({ hasText: "This account was banned by an administrator." }).getByText("Reason given: spam in General").waitFor();
    // The audit log says who banned whom, by name, and why.
    await admin.getByRole("tab", { name: "Audit log" }).click();
    const entry = admin.getByRole("listitem").filter({ hasText: "Pablo banned Alex — spam in General" });
    await entry.waitFor();

    await alex.page.getByLabel("Username").fill("Alex");
    await alex.page.getByLabel("Password").fill("password123");
    await alex.page.getByRole("button", { name: "Sign in" }).click();
    // The refusal itself (the page already said the account was banned, and by whom, before this try).
    await alex.page.getByRole("alert").getByText(/^This account is banned/).waitFor();

    // Lifted from the audit log entry.
    await entry.getByRole("button", { name: "Lift ban on Alex" }).click();
    await pablo.page.getByRole("alertdialog", { name: "Lift the ban on Alex?" }).getByRole("button", { name: "Lift ban" }).click();
    await entry.getByRole("button", { name: "Lift ban on Alex" }).waitFor({ state: "detached" });
    await alex.page.getByRole("button", { name: "Sign in" }).click();
    await alex.page.getByRole("button", { name: "Log out" }).waitFor();
  });
});
