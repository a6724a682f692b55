/**
 * The README's screenshots: docs/screenshot-desktop.png (1280x800), docs/screenshot-phone.png and
 * docs/screenshot-phone-list.png (390x844), showing a realistic conversation (formatting, a link, a
 * mention, a reply, reactions) and the sidebar's sections (rooms, conversations with a group and an
 * unread badge, people). Needs `npm run build` first; starts its own redis-server and chat server
 * on loopback with the demo data.
 *   npx tsx scripts/screenshots.ts
 */
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { chats, launchChromium, messageList, newPage, sendMessage, signIn, startStack } from "../test/e2e/harness.js";

/** The last message whose own text (not a quote of it) holds `text`. */
const row = (page: Page, text: string) =>
  messageList(page).locator("li.msg").filter({ has: page.locator(".msg__text", { hasText: text }) }).last();

/** Signs in and dismisses the notification prompt, which would otherwise top every sidebar. */
async function enter(page: Page, url: string, name: string): Promise<void> {
  await signIn(page, url, name);
  await page.getByRole("button", { name: "Not now" }).click({ timeout: 3000 }).catch(() => {});
}

async function react(page: Page, text: string, emoji: string): Promise<void> {
  await row(page, text).hover();
  await row(page, text).getByRole("button", { name: `React with ${emoji}` }).click();
}

const stack = await startStack();
const browser = await launchChromium();
try {
  mkdirSync("docs", { recursive: true });
  const pablo = (await newPage(browser, { width: 1280, height: 800 })).page;
  const mary = (await newPage(browser, { width: 1280, height: 800 })).page;
  const joe = (await newPage(browser, { width: 1280, height: 800 })).page;
  const alex = (await newPage(browser, { width: 1280, height: 800 })).page;
  await enter(mary, stack.url, "Mary");
  await enter(joe, stack.url, "Joe");
  await enter(alex, stack.url, "Alex");

  // An open room of Mary's that Pablo joins from the directory.
  await mary.getByRole("button", { name: "New room" }).click();
  await mary.getByLabel("Name").fill("release");
  await mary.getByLabel("Topic").fill("Shipping 2.0");
  await mary.getByRole("button", { name: "Create room" }).click();
  await sendMessage(mary, "Checklist for **2.0** is pinned in the notes.");
  await enter(pablo, stack.url, "Pablo");
  await pablo.getByRole("button", { name: "Browse rooms" }).click();
  await pablo.getByRole("button", { name: "Join release" }).click();
  await chats(pablo).getByRole("button", { name: /^General/ }).click();
  for (const page of [mary, joe, alex]) await chats(page).getByRole("button", { name: /^General/ }).click();

  // The conversation in General.
  await sendMessage(mary, "Morning all! **Release 2.0** ships today 🎉 Notes: https://example.com/notes");
  await row(joe, "Release 2.0").waitFor();
  await sendMessage(joe, "Nice. Does `npm start` still bring its own Redis?");
  await row(pablo, "npm start").waitFor();
  await row(pablo, "npm start").hover();
  await row(pablo, "npm start").getByRole("button", { name: "Reply" }).click();
  await sendMessage(pablo, "Yes: unless `REDIS_URL` is set it starts one, with its data in `./data`.");
  await row(alex, "REDIS_URL").waitFor();
  await sendMessage(alex, "@Pablo can you take the _changelog_? I'll do the screenshots.");
  await row(joe, "changelog").waitFor();
  await react(joe, "REDIS_URL", "👍");
  await react(mary, "REDIS_URL", "👍");
  await react(alex, "Release 2.0", "🎉");
  await react(joe, "Release 2.0", "🎉");
  await react(pablo, "Release 2.0", "❤️");
  await row(pablo, "changelog").waitFor();
  await sendMessage(pablo, "On it 👍");

  // A group conversation of Joe's, with an unread message for Pablo.
  await joe.getByRole("button", { name: "New group" }).click();
  await joe.getByLabel("Choose Pablo").check();
  await joe.getByLabel("Choose Mary").check();
  await joe.getByRole("button", { name: "Start group" }).click();
  await joe.locator("#room-title", { hasText: "Mary, Pablo" }).waitFor();
  await sendMessage(joe, "Lunch at 12:30 to celebrate?");
  await chats(pablo).getByRole("button", { name: /Joe, Mary/ }).waitFor();

  await pablo.mouse.move(700, 790); // an empty spot, so no row shows its hover colour or toolbar
  await pablo.waitForTimeout(800);
  await pablo.screenshot({ path: "docs/screenshot-desktop.png" });

  const phone = (await newPage(browser, { width: 390, height: 844 })).page;
  await enter(phone, stack.url, "Mary");
  await phone.mouse.move(385, 840);
  await phone.waitForTimeout(600);
  await phone.screenshot({ path: "docs/screenshot-phone-list.png" });
  await chats(phone).getByRole("button", { name: /^General/ }).click();
  await row(phone, "On it").waitFor();
  await phone.mouse.move(385, 70);
  await phone.waitForTimeout(600);
  await phone.screenshot({ path: "docs/screenshot-phone.png" });
  console.log("wrote docs/screenshot-desktop.png, docs/screenshot-phone.png, docs/screenshot-phone-list.png");
} finally {
  await browser.close();
  await stack.close();
}
