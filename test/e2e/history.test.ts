import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, connect, login, send, type ClientSocket } from "../support/chat-client.js";
import { chats, closeContexts, launchChromium, messageList, newPage, signIn, startStack, type Stack } from "./harness.js";

let stack: Stack;
let browser: Browser;
let writerSocket: ClientSocket;
let roomId: string;
const TOTAL = 95;
const text = (i: number) => `history ${String(i).padStart(3, "0")}`;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  const writer = await login(stack.url, "historian", "history-password");
  const reader = await login(stack.url, "reader", "reader-password");
  const room = await api(stack.url, "/room", writer.cookie, {
    method: "POST",
    body: JSON.stringify({ user1: writer.user.id, user2: reader.user.id }),
  });
  roomId = room.body.id;
  writerSocket = await connect(stack.url, writer.cookie);
  for (let i = 1; i <= TOTAL; i++) {
    const ack = await send(writerSocket, { roomId, message: text(i), clientId: `h${i}` });
    if (!ack.ok) throw new Error(ack.error);
  }
});
afterEach(closeContexts);

/**
 * Waits until the rows drawn cover the visible part of the conversation: Virtuoso draws the rows a
 * scroll brings into view a frame or more after it (many more on a busy machine), so what is read
 * before may be the rows of the place scrolled from.
 */
async function drawnInView(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const el = document.querySelector(".messages")!;
    const box = el.getBoundingClientRect();
    const rows = [...el.querySelectorAll("li, .messages__top")].map((n) => n.getBoundingClientRect()).filter((r) => r.height > 0);
    if (rows.length === 0) return false;
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;
    return Math.min(...rows.map((r) => r.top)) <= box.top + 1 && (atEnd || Math.max(...rows.map((r) => r.bottom)) >= box.bottom - 1);
  });
}

/** Waits until the list stops moving by itself (rows measured, an older page's anchor let go): 10 still frames. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => {
    const el = document.querySelector(".messages")!;
    let last = "";
    let still = 0;
    const tick = () => {
      const now = `${el.scrollTop} ${el.scrollHeight}`;
      still = now === last ? still + 1 : 0;
      last = now;
      if (still >= 10) resolve();
      else requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }));
}
afterAll(async () => {
  writerSocket?.disconnect();
  await browser?.close();
  await stack?.close();
});

describe("web client: history", () => {
  it("scrolling up loads older pages until the first message, each message once and in order", async () => {
    const { context, page } = await newPage(browser, { width: 1000, height: 700 });
    await signIn(page, stack.url, "reader", "reader-password");
    await chats(page).getByRole("button", { name: "historian", exact: true }).click();
    const log = messageList(page);
    await log.getByText(text(TOTAL), { exact: true }).waitFor();
    expect(await log.getByText(text(1), { exact: true }).count()).toBe(0);

    const scroller = page.getByLabel("Conversation history");
    await scroller.hover();
    const start = Date.now();
    while ((await log.getByText(text(1), { exact: true }).count()) === 0) {
      if (Date.now() - start > 20_000) throw new Error("older pages did not load");
      await page.mouse.wheel(0, -4000);
      await page.waitForTimeout(150);
    }
    await page.getByText("This is the beginning of the conversation.").waitFor();

    // The list is windowed: only rows near the screen are drawn, so read them top to bottom.
    expect(await log.locator(".msg").count()).toBeLessThan(TOTAL);
    const shown: string[] = [];
    await scroller.evaluate((el) => { el.scrollTop = 0; });
    for (let step = 0; step < 200; step++) {
      await drawnInView(page);
      for (const t of await log.locator(".msg .msg__text").allTextContents()) if (!shown.includes(t)) shown.push(t);
      const end = await scroller.evaluate((el) => {
        const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 2;
        el.scrollTop += el.clientHeight / 2;
        return atEnd;
      });
      if (end) break;
    }
    const expected = Array.from({ length: TOTAL }, (_, i) => text(i + 1));
    expect(shown).toEqual(expected);
    await context.close();
  });

  it("a message arriving while reading older ones does not move the view and offers a jump to it", async () => {
    const { context, page } = await newPage(browser, { width: 1000, height: 700 });
    await signIn(page, stack.url, "reader", "reader-password");
    await chats(page).getByRole("button", { name: "historian", exact: true }).click();
    const log = messageList(page);
    await log.getByText(text(TOTAL), { exact: true }).waitFor();
    const scroller = page.getByLabel("Conversation history");
    await scroller.hover();
    const start = Date.now();
    while ((await page.getByText("This is the beginning of the conversation.").count()) === 0) {
      if (Date.now() - start > 20_000) throw new Error("older pages did not load");
      await page.mouse.wheel(0, -4000);
      await page.waitForTimeout(150);
    }
    await scroller.evaluate((el) => { el.scrollTop = el.scrollHeight / 2; });
    // Where the reader is once the list is still: not a moment after the scroll, while rows are measured.
    await settled(page);
    const before = await scroller.evaluate((el) => el.scrollTop);

    await send(writerSocket, { roomId, message: "fresh news", clientId: "fresh-news" });
    const jump = page.getByRole("button", { name: "New messages below" });
    await jump.waitFor();
    expect(Math.abs((await scroller.evaluate((el) => el.scrollTop)) - before)).toBeLessThan(5);
    await jump.click();
    await page.waitForFunction(() => {
      const el = document.querySelector(".messages")!;
      return el.scrollHeight - el.scrollTop - el.clientHeight < 5;
    });
    await log.getByText("fresh news", { exact: true }).waitFor();
    expect(await log.getByText("fresh news", { exact: true }).isVisible()).toBe(true);
    await jump.waitFor({ state: "detached" });
    await context.close();
  });
});
