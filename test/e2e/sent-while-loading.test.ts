import { describe, expect, it } from "vitest";
import type { Page, Route } from "playwright-core";
import { chats, messageList, newPage, sendMessage, signIn, useBrowserStack } from "./harness.js";

/**
 * What the reader sends in a room whose history is still loading (a slow network, or none) is
 * drawn at once below the loading line, and once only when the history and the acknowledgement
 * arrive. Desktop (1280x800) and phone (390x844).
 */
const env = useBrowserStack();
const SIZES = [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 844 }]] as const;

/** General's first history page, held until the test lets it through. */
async function holdHistory(page: Page): Promise<{ release(): void; asked: Promise<void> }> {
  let release = () => {};
  let asked = () => {};
  const wasAsked = new Promise<void>((resolve) => { asked = resolve; });
  const gate = new Promise<void>((resolve) => { release = resolve; });
  await page.route(/\/room\/0\/messages\?offset=0&/, async (route: Route) => {
    asked();
    await gate;
    await route.continue();
  });
  return { release: () => release(), asked: wasAsked };
}

/** Every row, pending or stored, that shows `text`. */
const rowsSaying = (page: Page, text: string) =>
  messageList(page).locator("li.msg").filter({ has: page.locator(".msg__text", { hasText: text }) });

describe("web client: messages sent while a room's history is loading", () => {
  for (const [size, viewport] of SIZES) {
    it(`are drawn below the loading line at once, and once only when the history arrives (${size})`, async () => {
      const { page } = await newPage(env.browser, viewport);
      const history = await holdHistory(page);
      await signIn(page, env.stack.url, "Mary");
      if (size === "phone") await chats(page).getByRole("button", { name: /^General/ }).first().click();
      await page.getByRole("heading", { name: "General", exact: true }).waitFor();
      await history.asked;
      const loading = page.getByText("Loading messages…");
      await loading.waitFor();

      const text = `typed while General loads (${size}) ${Date.now()}`;
      await sendMessage(page, text);
      await rowsSaying(page, text).first().waitFor();
      // Still loading: the row is under the loading line, and the only one.
      expect(await loading.isVisible()).toBe(true);
      const [line, row] = [await loading.boundingBox(), await rowsSaying(page, text).first().boundingBox()];
      expect(row!.y).toBeGreaterThanOrEqual(line!.y + line!.height);
      // Acknowledged meanwhile (the socket is up): stored, drawn as sent, still once.
      await rowsSaying(page, text).and(page.locator(":not(.msg--pending)")).waitFor();
      expect(await rowsSaying(page, text).count()).toBe(1);

      history.release();
      await loading.waitFor({ state: "hidden" });
      await page.waitForTimeout(300);
      expect(await rowsSaying(page, text).count()).toBe(1);
      // The room opens where her message is: at its end, the message in view.
      expect(await rowsSaying(page, text).evaluate((li) => {
        const scroller = li.closest<HTMLElement>(".messages")!.getBoundingClientRect();
        const r = li.getBoundingClientRect();
        return r.top >= scroller.top - 0.5 && r.bottom <= scroller.bottom + 0.5;
      })).toBe(true);
    });
  }
});
