/**
 * Screenshots of the notification UI for docs/screenshots/: the permission banner and the room
 * header's notification-level menu, on a desktop (1280x800) and a phone (390x844), light and dark.
 * Needs `npm run build` first. Starts its own redis-server and chat server with the demo data.
 *   npx tsx scripts/screenshots-notifications.ts
 */
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { chats, launchChromium, newPage, sendMessage, signIn, startStack } from "../test/e2e/harness.js";

const OUT = "docs/screenshots";
const stack = await startStack();
const browser = await launchChromium();

/** The browser has not been asked yet: the banner shows (headless Chromium would say "denied"). */
async function notAskedYet(page: Page) {
  await page.context().addInitScript(() => {
    Object.defineProperty(Notification, "permission", { get: () => "default" });
  });
}

try {
  mkdirSync(OUT, { recursive: true });
  const joe = await newPage(browser);
  await signIn(joe.page, stack.url, "Joe");
  await chats(joe.page).getByRole("button", { name: "Pablo", exact: true }).click().catch(() => undefined);

  for (const [label, viewport, scheme] of [
    ["desktop", { width: 1280, height: 800 }, "light"],
    ["phone", { width: 390, height: 844 }, "light"],
    ["desktop-dark", { width: 1280, height: 800 }, "dark"],
  ] as const) {
    const { page } = await newPage(browser, viewport, { colorScheme: scheme });
    await notAskedYet(page);
    await signIn(page, stack.url, "Pablo");
    const banner = page.getByRole("region", { name: "Get notified" });
    await banner.waitFor();
    if (label === "phone") {
      await page.screenshot({ path: `${OUT}/notifications-banner-${label}.png` });
      await chats(page).getByRole("button", { name: "General", exact: true }).click();
    } else {
      if (label === "desktop") await sendMessage(page, "@Joe the release notes are ready for review");
      await page.waitForTimeout(300);
      await page.mouse.move(640, 790);
      await page.screenshot({ path: `${OUT}/notifications-banner-${label}.png` });
    }
    await page.getByRole("button", { name: /^Notifications:/ }).click();
    await page.getByRole("menu").waitFor();
    await page.waitForTimeout(200);
    await page.screenshot({ path: `${OUT}/notifications-menu-${label}.png` });
    await page.context().close();
  }
} finally {
  await browser.close();
  await stack.close();
}
