/**
 * Screenshots of the rooms screens (issue 9) at desktop 1280x800 and phone 390x844, into
 * docs/screenshots/. Needs `npm run build` first; starts its own redis-server and chat server
 * (REGISTRATION=invite, Pablo an administrator).
 *   npx tsx scripts/screenshots-rooms.ts
 */
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { chats, launchChromium, newPage, people, sendMessage, signIn, startStack } from "../test/e2e/harness.js";

const OUT = "docs/screenshots";
const stack = await startStack({ registration: "invite", adminUsernames: ["Pablo"] });
const browser = await launchChromium();
const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

async function shot(page: Page, name: string) {
  await page.mouse.move(1, 1);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${OUT}/${name}.png` });
  console.log(`${OUT}/${name}.png`);
}

try {
  mkdirSync(OUT, { recursive: true });
  // Some rooms to look at, made by Joe.
  const joe = await newPage(browser, sizes.desktop);
  await signIn(joe.page, stack.url, "Joe");
  for (const [name, topic] of [["design", "Pixels, fonts and the new logo"], ["releases", "What ships when"], ["random", ""]] as const) {
    await joe.page.evaluate(async ([n, t]) => {
      await fetch("/rooms", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: n, topic: t, visibility: "open" }) });
    }, [name, topic]);
  }

  // 50 people whose initials are all "JO", made by an administrator: their avatars must differ.
  const admin = await newPage(browser, sizes.desktop);
  await signIn(admin.page, stack.url, "Pablo");
  await admin.page.evaluate(async () => {
    const names = ["Jo", "Joan", "Joanna", "Jodie", "Joel", "Johan", "John", "Jolene", "Jonas", "Jordan"];
    for (let i = 0; i < 50; i++) {
      await fetch("/admin/users", { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: `${names[i % 10]}${Math.floor(i / 10) + 1}`, password: "password123" }) });
    }
  });
  await admin.context.close();

  for (const [size, viewport] of Object.entries(sizes)) {
    const phone = size === "phone";
    // Sign-in: a new name asks before creating an account, with the invitation code.
    const anon = await newPage(browser, viewport);
    await anon.page.goto(stack.url);
    await anon.page.getByLabel("Username").fill("Pabloo");
    await anon.page.getByLabel("Password").fill("a-new-password");
    await anon.page.getByRole("button", { name: "Sign in" }).click();
    await anon.page.getByRole("button", { name: "Create account" }).waitFor();
    await shot(anon.page, `signin-confirm-${size}`);
    await anon.context.close();

    const { page } = await newPage(browser, viewport);
    await signIn(page, stack.url, "Pablo");
    await shot(page, `sidebar-${size}`);
    await people(page).getByLabel("Filter people").fill("jo");
    await people(page).getByRole("button", { name: "Jolene5", exact: true }).waitFor();
    await shot(page, `people-namesakes-${size}`);
    await people(page).getByLabel("Filter people").fill("");

    // New room dialog.
    await chats(page).getByRole("button", { name: "New room" }).click();
    const dialog = page.getByRole("dialog", { name: "New room" });
    await dialog.getByLabel("Name").fill(`launch-${size}`);
    await dialog.getByLabel("Topic").fill("Everything about the launch");
    await dialog.getByLabel("Add members").fill("Ma");
    await dialog.getByRole("checkbox").first().check();
    await shot(page, `new-room-${size}`);
    await dialog.getByRole("button", { name: "Create room" }).click();
    await page.getByRole("heading", { name: `launch-${size}` }).waitFor();
    await sendMessage(page, "Kick-off at 10, agenda in the topic.");

    // Room details: settings and members.
    await page.getByRole("button", { name: "Room details" }).click();
    await page.getByRole("complementary", { name: "Room details" }).getByRole("list", { name: "Members" }).waitFor();
    await shot(page, `room-panel-${size}`);
    await page.getByRole("button", { name: "Close room details" }).click();

    // Directory.
    if (phone) await page.getByRole("button", { name: "Back to chats" }).click();
    await chats(page).getByRole("button", { name: "Browse" }).click();
    await page.getByRole("dialog", { name: "Browse rooms" }).getByRole("button", { name: "Join design" }).waitFor();
    await shot(page, `directory-${size}`);
    await page.getByRole("dialog", { name: "Browse rooms" }).getByRole("button", { name: "Close" }).click();

    // Group conversation from the people list.
    await people(page).getByRole("button", { name: "New group" }).click();
    await people(page).getByLabel("Filter people").fill("a");
    for (const name of ["Mary", "Alex"]) await people(page).getByLabel(`Choose ${name}`).check();
    await shot(page, `group-choose-${size}`);
    await people(page).getByRole("button", { name: "Start group" }).click();
    await page.getByRole("heading", { name: "Mary, Alex" }).or(page.getByRole("heading", { name: "Alex, Mary" })).waitFor();
    await sendMessage(page, phone ? "Saturday works for me too." : "Three of us: plans for Friday?");
    await shot(page, `group-conversation-${size}`);
    if (phone) await page.getByRole("button", { name: "Back to chats" }).click();

    // Administration: invitations.
    await page.getByRole("button", { name: "Admin" }).click();
    const adminDialog = page.getByRole("dialog", { name: "Administration" });
    await adminDialog.getByRole("button", { name: "Create invitation link" }).click();
    await adminDialog.getByLabel("Invitation link", { exact: true }).first().waitFor();
    await shot(page, `admin-invitations-${size}`);
    await adminDialog.getByRole("tab", { name: "Accounts" }).click();
    await shot(page, `admin-accounts-${size}`);
    await adminDialog.getByRole("tab", { name: "Audit log" }).click();
    await adminDialog.getByRole("list").or(adminDialog.getByText("Nothing yet.")).first().waitFor();
    await shot(page, `admin-audit-${size}`);
    await adminDialog.getByRole("button", { name: "Close" }).click();
  }

  // Dark mode: the details panel beside a room.
  const dark = await newPage(browser, sizes.desktop, { colorScheme: "dark" });
  await signIn(dark.page, stack.url, "Pablo");
  await chats(dark.page).getByRole("button", { name: "launch-desktop", exact: true }).click();
  await dark.page.getByRole("button", { name: "Room details" }).click();
  await dark.page.getByRole("complementary", { name: "Room details" }).getByRole("list", { name: "Members" }).waitFor();
  await shot(dark.page, "room-panel-dark-desktop");
} finally {
  await browser.close();
  await stack.close();
}
