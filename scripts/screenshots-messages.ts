/**
 * Screenshots of rich messages (formatting, code, links, mentions, a reply, an edit, reactions,
 * typing, the emoji picker, the @ autocomplete) at 1280x800 and 390x844, into docs/screenshots/.
 * Needs `npm run build` first; starts its own redis-server and chat server on loopback.
 *   npx tsx scripts/screenshots-messages.ts
 */
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { chats, launchChromium, messageList, newPage, sendMessage, signIn, startStack } from "../test/e2e/harness.js";

const OUT = "docs/screenshots";
mkdirSync(OUT, { recursive: true });

const stack = await startStack();
const browser = await launchChromium();
/** The last message whose own text (not a quote of it) holds `text`. */
const row = (page: Page, text: string) =>
  messageList(page).locator("li.msg").filter({ has: page.locator(".msg__text", { hasText: text }) }).last();

try {
  const pablo = await newPage(browser, { width: 1280, height: 800 });
  await signIn(pablo.page, stack.url, "Pablo");
  const mary = await newPage(browser, { width: 1280, height: 800 });
  await signIn(mary.page, stack.url, "Mary");
  await sendMessage(pablo.page, "Morning @Mary! The **release notes** are up: https://example.com/notes and www.redis.io for the docs :tada:");
  await sendMessage(mary.page, "Thanks! Two things:\n- the _retry_ button still says ~~Send~~\n- `npm test` fails on Node 20\n\n> keep it small, please");
  await sendMessage(pablo.page, "Here is the fix:\n```ts\nexport function retry(id: string): void {\n  queue.get(id)?.send({ attempt: Date.now(), reason: \"manual retry from the composer button\" });\n}\n```");
  await row(mary.page, "Here is the fix").waitFor();
  // Mary replies to Pablo's first message.
  await row(mary.page, "release notes").hover();
  await row(mary.page, "release notes").getByRole("button", { name: "Reply" }).click();
  await sendMessage(mary.page, "Looks great, shipping it after lunch 👍");
  // Pablo edits his code message and reacts.
  await row(pablo.page, "Looks great").waitFor();
  await sendMessage(pablo.page, "Lunch at 1?");
  await row(pablo.page, "Lunch at 1?").hover();
  await row(pablo.page, "Lunch at 1?").getByRole("button", { name: "Edit" }).click();
  await pablo.page.getByRole("textbox", { name: "Edit text" }).fill("Lunch at 12:30?");
  await pablo.page.getByRole("textbox", { name: "Edit text" }).press("Enter");
  await row(pablo.page, "Looks great").hover();
  await row(pablo.page, "Looks great").getByRole("button", { name: "React with 🎉" }).click();
  await row(mary.page, "Looks great").hover();
  await row(mary.page, "Looks great").getByRole("button", { name: "React with 🎉" }).click();
  await row(mary.page, "release notes").hover();
  await row(mary.page, "release notes").getByRole("button", { name: "React with ❤️" }).click();
  await sendMessage(mary.page, "🚀🚀");
  await row(pablo.page, "🚀🚀").waitFor();
  // Pablo is typing (seen by Mary).
  await pablo.page.getByRole("textbox", { name: "Message" }).pressSequentially("On my way, just finishing a review", { delay: 60 });
  await mary.page.getByText("Pablo is typing…").waitFor();
  await mary.page.mouse.move(700, 790);
  await mary.page.waitForTimeout(300);
  await mary.page.screenshot({ path: `${OUT}/messages-desktop.png` });

  // The @ autocomplete and the emoji picker.
  const box = mary.page.getByRole("textbox", { name: "Message" });
  await box.fill("");
  await box.pressSequentially("ask @", { delay: 20 });
  await mary.page.getByRole("listbox", { name: "People to mention" }).waitFor();
  await mary.page.screenshot({ path: `${OUT}/mention-autocomplete-desktop.png` });
  await box.press("Escape");
  await mary.page.getByRole("button", { name: "Add emoji" }).click();
  await mary.page.locator(".emoji-picker__emoji >> visible=true").first().waitFor({ timeout: 15_000 });
  await mary.page.screenshot({ path: `${OUT}/emoji-picker-desktop.png` });
  await mary.page.keyboard.press("Escape");

  // Replying, and editing inline (Pablo, Up-arrow).
  await row(mary.page, "Lunch at 12:30?").hover();
  await row(mary.page, "Lunch at 12:30?").getByRole("button", { name: "Reply" }).click();
  await mary.page.mouse.move(700, 790);
  await mary.page.waitForTimeout(200);
  await mary.page.screenshot({ path: `${OUT}/reply-desktop.png` });
  const pbox0 = pablo.page.getByRole("textbox", { name: "Message" });
  await pbox0.fill("");
  await pbox0.press("ArrowUp");
  await pablo.page.getByRole("textbox", { name: "Edit text" }).waitFor();
  await pablo.page.mouse.move(700, 790);
  await pablo.page.screenshot({ path: `${OUT}/edit-desktop.png` });
  await pablo.page.getByRole("textbox", { name: "Edit text" }).press("Escape");

  // Phone.
  const phone = await newPage(browser, { width: 390, height: 844 });
  await signIn(phone.page, stack.url, "Joe");
  await chats(phone.page).getByRole("button", { name: "General", exact: true }).click();
  await row(phone.page, "🚀🚀").waitFor();
  await pablo.page.getByRole("textbox", { name: "Message" }).pressSequentially(" soon", { delay: 20 });
  await phone.page.getByText("Pablo is typing…").waitFor().catch(() => {});
  await phone.page.mouse.move(200, 30);
  await phone.page.waitForTimeout(200);
  await phone.page.screenshot({ path: `${OUT}/messages-phone.png` });
  const pbox = phone.page.getByRole("textbox", { name: "Message" });
  await pbox.pressSequentially("@", { delay: 20 });
  await phone.page.getByRole("listbox", { name: "People to mention" }).waitFor();
  await phone.page.mouse.move(200, 30);
  await phone.page.screenshot({ path: `${OUT}/mention-autocomplete-phone.png` });
  await pbox.fill("");
  await phone.page.getByRole("button", { name: "Add emoji" }).click();
  await phone.page.locator(".emoji-picker__emoji >> visible=true").first().waitFor({ timeout: 15_000 });
  await phone.page.screenshot({ path: `${OUT}/emoji-picker-phone.png` });

  // Dark mode.
  const dark = await newPage(browser, { width: 1280, height: 800 }, { colorScheme: "dark" });
  await signIn(dark.page, stack.url, "Alex");
  await row(dark.page, "🚀🚀").waitFor();
  await row(dark.page, "Looks great").hover();
  await dark.page.waitForTimeout(300);
  await dark.page.screenshot({ path: `${OUT}/messages-dark-desktop.png` });
  console.log(`wrote ${OUT}/*.png`);
} finally {
  await browser.close();
  await stack.close();
}
