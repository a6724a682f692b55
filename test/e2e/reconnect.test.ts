import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { api, collectMessages, connect, eventually, login, send, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { closeContexts, launchChromium, messageList, newPage, sendMessage, signIn, startStack, type Stack } from "./harness.js";

/**
 * The page talks to server A. Joe talks to server B on the same Redis, so he can keep writing while
 * A restarts; the page must then show each of his messages exactly once, in order.
 */
let stack: Stack;
let other: RunningChatServer;
let browser: Browser;
let joe: ClientSocket;
let joeCookie: string;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  other = await startChatServer({ redisUrl: stack.redis.url });
  const signedIn = await login(other.url, "Joe");
  joeCookie = signedIn.cookie;
  joe = await connect(other.url, joeCookie, { batch: true });
});
afterEach(closeContexts);
afterAll(async () => {
  joe?.disconnect();
  await browser?.close();
  await other?.close();
  await stack?.close();
});

const banner = "Connection lost";

async function stored(text: string): Promise<number> {
  const page = await api(other.url, "/room/0/messages?offset=0&size=50", joeCookie);
  return (page.body as { message: string }[]).filter((m) => m.message === text).length;
}

// One retry: on a loaded 2-core machine (CI runs two files at once) a restart can outlast a step's
// wait; every step names itself when it times out, so a real failure still says where.
describe("web client: server restart", () => {
  it("messages sent while the page's server restarts appear exactly once, in order, after it reconnects", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, stack.url, "Pablo");
    const log = messageList(page);
    // Texts of this attempt only: a retried attempt shares the Redis (and General) with the first.
    const stamp = Date.now();
    const before = `before the restart ${stamp}`;
    await send(joe, { roomId: "0", message: before, clientId: `r-before-${stamp}` });
    await log.getByText(before).waitFor({ timeout: 15_000 });

    const during = Array.from({ length: 5 }, (_, i) => `sent while down ${i + 1} ${stamp}`);
    await stack.restartServer(0, async () => {
      await page.getByText(banner).waitFor({ timeout: 15_000 });
      for (const [i, text] of during.entries()) {
        const ack = await send(joe, { roomId: "0", message: text, clientId: `r-down-${i}-${stamp}` });
        expect(ack.ok).toBe(true);
      }
    });

    await log.getByText(during[4]!, { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByText(banner).waitFor({ state: "detached", timeout: 15_000 });
    await page.waitForTimeout(1000);
    const texts = await log.locator(".msg .msg__text").allTextContents();
    const ours = texts.filter((t) => t === before || during.includes(t));
    expect(ours).toEqual([before, ...during]);

    // Live again, both ways.
    const received = collectMessages(joe);
    await send(joe, { roomId: "0", message: `after the restart ${stamp}`, clientId: `r-after-${stamp}` });
    await log.getByText(`after the restart ${stamp}`).waitFor();
    await sendMessage(page, `Pablo is back ${stamp}`);
    await eventually(() => received.some((m) => m.message === `Pablo is back ${stamp}`), 5000, "Joe to receive Pablo's message");
    await context.close();
  }, 60_000);

  it("a message typed while the server is down waits, and is stored exactly once after the reconnection, by itself", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, stack.url, "Pablo");
    // Its own history to wait for, not the test before's (it may not have run, or run twice).
    const stamp = Date.now();
    const text = `typed while offline ${stamp}`;
    const ack = await send(joe, { roomId: "0", message: `before ${text}`, clientId: `r-before-offline-${stamp}` });
    expect(ack.ok).toBe(true);
    await messageList(page).getByText(`before ${text}`).waitFor({ timeout: 15_000 });

    await stack.restartServer(0, async () => {
      await page.getByText(banner).waitFor();
      await sendMessage(page, text);
      await messageList(page).getByText("Sending…").waitFor();
      await page.waitForTimeout(1500);
      // Never given up on: no failure, no Retry to press.
      expect(await messageList(page).getByRole("button", { name: "Retry" }).count()).toBe(0);
      expect(await stored(text)).toBe(0);
    });
    await page.getByText(banner).waitFor({ state: "detached", timeout: 15_000 });
    await messageList(page).locator(".msg:not(.msg--pending)").getByText(text, { exact: true }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    expect(await messageList(page).getByText(text, { exact: true }).count()).toBe(1);
    expect(await stored(text)).toBe(1);
    await context.close();
  }, 60_000);
});
