/**
 * Desktop and phone screenshots of the web client for docs/ (README). Needs `npm run build` first.
 * Starts its own redis-server and chat server on loopback with the demo data.
 *   npx tsx scripts/screenshots.ts
 */
import { mkdirSync } from "node:fs";
import { launchChromium, newPage, sendMessage, signIn, startStack, chats } from "../test/e2e/harness.js";

const stack = await startStack();
const browser = await launchChromium();
try {
  mkdirSync("docs", { recursive: true });
  const joe = await newPage(browser, { width: 1200, height: 760 });
  await signIn(joe.page, stack.url, "Joe");

  const desktop = await newPage(browser, { width: 1200, height: 760 });
  await signIn(desktop.page, stack.url, "Pablo");
  await sendMessage(desktop.page, "Morning all! Shipping the new client today.");
  await sendMessage(joe.page, "Nice. Does it keep unread counts across reloads?");
  await sendMessage(desktop.page, "Yes, and it catches up after a reconnect.\nEach message exactly once.");
  await chats(joe.page).getByRole("button", { name: "Pablo", exact: true }).click();
  await sendMessage(joe.page, "Lunch later?");
  await desktop.page.getByText("Lunch later?").waitFor({ state: "attached" }).catch(() => {});
  await desktop.page.mouse.move(160, 740); // an empty spot, so no row shows its hover colour
  await desktop.page.waitForTimeout(600);
  await desktop.page.screenshot({ path: "docs/screenshot-desktop.png" });

  const phone = await newPage(browser, { width: 390, height: 844 });
  await signIn(phone.page, stack.url, "Mary");
  await phone.page.screenshot({ path: "docs/screenshot-phone-list.png" });
  await chats(phone.page).getByRole("button", { name: "General", exact: true }).click();
  await phone.page.getByRole("textbox", { name: "Message" }).waitFor();
  await phone.page.mouse.move(385, 70);
  await phone.page.waitForTimeout(400);
  await phone.page.screenshot({ path: "docs/screenshot-phone.png" });
  console.log("wrote docs/screenshot-desktop.png, docs/screenshot-phone.png, docs/screenshot-phone-list.png");
} finally {
  await browser.close();
  await stack.close();
}
