import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations } from "./axe.js";
import { messageList, newPage, people, signIn, useBrowserStack, waitOnline } from "./harness.js";

/**
 * A fresh place, just set up: its first administrator is alone. The People list (and General, empty)
 * say so and point at how to get the team in, as the place's registration mode allows: "Invite
 * people" (the invitation links), "Create accounts" where it is closed, the sign-up address where
 * it is open. Screenshots of each at 1280 and 390 px (and dark) go to /tmp/invite-*.png.
 */
const env = useBrowserStack({ setupByEnvironment: false, demoData: false });
const PHONE = { width: 390, height: 844 };
const PASSWORD = "a-long-password";

async function setUp(page: Page): Promise<void> {
  await page.goto(env.stack.url);
  await page.getByLabel("Name of the place").fill("Acme");
  await page.getByLabel("Administrator's username").fill("ada");
  await page.getByLabel("Password").fill(PASSWORD);
  // By invitation is the setup screen's default.
  await page.getByRole("radio", { name: /By invitation/ }).waitFor();
  expect(await page.getByRole("radio", { name: /By invitation/ }).isChecked()).toBe(true);
  await page.getByRole("button", { name: "Set up and sign in" }).click();
  await waitOnline(page);
}

const signInAs = (page: Page, username: string) => signIn(page, env.stack.url, username, PASSWORD);

/** The administrator changes who may join, as the Place tab does (every open page hears `place.settings`). */
const setRegistration = (page: Page, registration: string) =>
  page.evaluate((body) => fetch("/place/settings", { method: "PATCH", headers: { "content-type": "application/json" }, body }).then((r) => r.status),
    JSON.stringify({ registration }));

/** Deactivates an account, as ada (the administrator) does from Accounts; twice is harmless. */
async function deactivate(username: string): Promise<void> {
  const login = await fetch(`${env.stack.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "ada", password: PASSWORD }) });
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const found = (await (await fetch(`${env.stack.url}/admin/users?q=${username}`, { headers: { cookie } })).json()) as { users: { id: number; username: string }[] };
  const id = found.users.find((u) => u.username === username)!.id;
  const done = await fetch(`${env.stack.url}/users/${id}`, { method: "PATCH", headers: { "content-type": "application/json", cookie }, body: JSON.stringify({ deactivated: true }) });
  if (!done.ok) throw new Error(`deactivate ${username}: ${done.status} ${await done.text()}`);
}

/** No element of the list runs past its right edge (a long address, a wrapped button). */
const fitsSidebar = (page: Page) => people(page).evaluate((section) => {
  const right = section.getBoundingClientRect().right + 0.5;
  return [...section.querySelectorAll("*")].every((el) => el.getBoundingClientRect().right <= right);
});

describe("web client: the first administrator, alone in a new place, is shown how to get people in", { timeout: 120_000 }, () => {
  it("People and the empty General offer Invite people, which opens the invitation links; it follows the registration mode live and leaves once someone joins", async () => {
    const { page } = await newPage(env.browser);
    await setUp(page);

    // People: nobody else yet, and the one action an administrator of a place by invitation needs.
    await people(page).getByText("Nobody else is here yet.").waitFor();
    const invite = people(page).getByRole("button", { name: "Invite people" });
    await invite.waitFor();
    // General, empty: beside "Say hello!", the same pointer.
    const general = messageList(page);
    await general.getByText("Nobody else is here yet").waitFor();
    await general.getByRole("button", { name: "Invite people" }).waitFor();
    expect(await fitsSidebar(page)).toBe(true);
    expect((await axeViolations(page)).join("\n")).toBe("");
    await page.screenshot({ path: "/tmp/invite-desktop.png" });

    // It opens Administration on the invitation links, where one is made and copied.
    await invite.click();
    const admin = page.getByRole("dialog", { name: "Administration" });
    expect(await admin.getByRole("tab", { name: "Invitations" }).getAttribute("aria-selected")).toBe("true");
    await admin.getByText(/No invitation link is open\. Create one, copy it and send it/).waitFor();
    await admin.getByLabel("Uses").selectOption("10");
    await admin.getByRole("button", { name: "Create invitation link" }).click();
    const link = await admin.getByRole("textbox", { name: "Invitation link" }).inputValue();
    expect(link).toMatch(/\?invite=[A-Za-z0-9_-]{8,}$/);
    await admin.getByRole("button", { name: "Close" }).click();

    // Open: the sign-up address to copy, in words anyone understands.
    expect(await setRegistration(page, "open")).toBe(200);
    await people(page).getByText("Anyone can sign up at this address:").waitFor();
    expect(await people(page).getByRole("textbox", { name: "Sign-up address" }).inputValue()).toBe(`${env.stack.url}/`);
    await people(page).getByRole("button", { name: "Copy" }).waitFor();
    expect(await people(page).getByRole("button", { name: "Invite people" }).count()).toBe(0);
    expect(await fitsSidebar(page)).toBe(true);
    expect((await axeViolations(page)).join("\n")).toBe("");
    await page.screenshot({ path: "/tmp/invite-open-desktop.png" });

    // Closed: only administrators make accounts, so the pointer opens the Accounts tab.
    expect(await setRegistration(page, "closed")).toBe(200);
    await people(page).getByText("Only administrators create accounts here.").waitFor();
    await people(page).getByRole("button", { name: "Create accounts" }).click();
    expect(await admin.getByRole("tab", { name: "Accounts" }).getAttribute("aria-selected")).toBe("true");
    await admin.getByRole("form", { name: "Create an account" }).waitFor();
    await admin.getByRole("button", { name: "Close" }).click();

    // Back to by invitation; a newcomer joins with the link: listed at once, and the pointers leave.
    expect(await setRegistration(page, "invite")).toBe(200);
    await invite.waitFor();
    const joined = await fetch(`${env.stack.url}/login`, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "bob", password: PASSWORD, invite: new URL(link).searchParams.get("invite") }) });
    expect(joined.status).toBe(201);
    await people(page).getByRole("button", { name: "bob", exact: true }).waitFor();
    await invite.waitFor({ state: "detached" });
    await general.getByText("Nobody else is here yet").waitFor({ state: "detached" });
    await general.getByText("Say hello!", { exact: false }).waitFor();
  });

  it("a member alone in the list is told to ask an administrator, and offered nothing only administrators may do", async () => {
    // A member is alone only when everyone else has left (deactivated, banned): here the directory
    // answers with bob alone, the rest of the page is the real thing.
    const { page } = await newPage(env.browser);
    await page.route("**/people?*", async (route) => {
      const answer = await route.fetch();
      const body = (await answer.json()) as { people: { username: string }[]; nextCursor: string | null };
      await route.fulfill({ response: answer, json: { ...body, people: body.people.filter((p) => p.username === "bob") } });
    });
    await signInAs(page, "bob");
    await people(page).getByText("Nobody else is here yet.").waitFor();
    await people(page).getByText("Ask an administrator to invite people.", { exact: true }).waitFor();
    await messageList(page).getByText("Ask an administrator to invite people", { exact: false }).waitFor();
    expect(await page.getByRole("button", { name: "Invite people" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Admin" }).count()).toBe(0);
    await page.screenshot({ path: "/tmp/invite-member-desktop.png" });
  });

  for (const [name, options] of [["phone", {}], ["phone-dark", { colorScheme: "dark" as const }], ["desktop-dark", { colorScheme: "dark" as const }]] as const) {
    it(`the pointer fits the People list, passes axe and opens the invitation links (${name})`, async () => {
      const viewport = name.startsWith("phone") ? PHONE : { width: 1280, height: 800 };
      // The place is empty again for its administrator once bob's account is deactivated.
      await deactivate("bob");
      const { page } = await newPage(env.browser, viewport, options);
      await signInAs(page, "ada");
      await people(page).getByText("Nobody else is here yet.").waitFor();
      const invite = people(page).getByRole("button", { name: "Invite people" });
      await invite.waitFor();
      expect(await fitsSidebar(page)).toBe(true);
      expect((await axeViolations(page)).join("\n")).toBe("");
      await page.screenshot({ path: `/tmp/invite-${name}.png` });
      if (name === "phone") {
        // The phone opens General from the list: its empty state points the same way.
        await page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: /General/ }).first().click();
        await messageList(page).getByRole("button", { name: "Invite people" }).waitFor();
        await page.screenshot({ path: "/tmp/invite-phone-general.png" });
        await messageList(page).getByRole("button", { name: "Invite people" }).click();
      } else {
        await invite.click();
      }
      const admin = page.getByRole("dialog", { name: "Administration" });
      expect(await admin.getByRole("tab", { name: "Invitations" }).getAttribute("aria-selected")).toBe("true");
    });
  }
});
