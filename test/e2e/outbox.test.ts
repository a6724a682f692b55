import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { api, login } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { closeContexts, launchChromium, messageList, newPage, sendMessage, signIn, startStack, type Stack } from "./harness.js";

/**
 * Sending that never gives up quietly (issues 8 and 10): a message typed while the session ended
 * is kept and sent once after signing in again; messages refused by the rate limit are queued and
 * sent by themselves, in order.
 */
let stack: Stack;
let browser: Browser;
let limited: RunningChatServer;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  limited = await startChatServer({ redisUrl: stack.redis.url, messageRateLimit: 2, messageRateWindowMs: 3000 });
});
afterEach(closeContexts);
afterAll(async () => {
  await browser?.close();
  await limited?.close();
  await stack?.close();
});

async function storedTexts(url: string): Promise<string[]> {
  const joe = await login(url, "Joe");
  const page = await api(url, "/room/0/messages?offset=0&size=100", joe.cookie);
  return (page.body as { message: string }[]).map((m) => m.message).reverse();
}

describe("web client: the outbox", () => {
  it("a message typed while offline whose session then ended is kept, shown as not sent, and sent once after signing in again", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, stack.url, "Mary");
    const text = `typed while the session ended ${Date.now()}`;

    // The other instance is started while the page's server still holds its port: started while it
    // is down, it could be handed that very port (free at that moment), and the page would reconnect
    // to it and hold it open while it closes (the test hung for its 120 s in full-suite runs).
    const other = await startChatServer({ redisUrl: stack.redis.url });
    try {
      await stack.restartServer(0, async () => {
        await page.getByText("Connection lost").waitFor({ timeout: 15_000 });
        await sendMessage(page, text);
        await messageList(page).getByText("Sending…").waitFor({ timeout: 15_000 });
        // Meanwhile Mary signs out everywhere from another device (through another instance).
        const elsewhere = await login(other.url, "Mary");
        expect((await api(other.url, "/logout/everywhere", elsewhere.cookie, { method: "POST", body: "{}" })).status).toBe(200);
      });
    } finally {
      await other.close();
    }

    // Back up: the session is gone, so the sign-in form, which shows the unsent message.
    const held = page.getByRole("region", { name: "Messages not sent" });
    await held.getByText(text).waitFor({ timeout: 15_000 });
    expect((await storedTexts(stack.url)).filter((t) => t === text)).toHaveLength(0);

    // A reload keeps it too (localStorage).
    await page.reload();
    await held.getByText(text).waitFor({ timeout: 15_000 });

    await page.getByLabel("Username").fill("Mary");
    await page.getByLabel("Password").fill("password123");
    await page.getByRole("button", { name: "Sign in" }).click();
    await messageList(page).locator(".msg:not(.msg--pending)").getByText(text, { exact: true }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(1000);
    expect((await storedTexts(stack.url)).filter((t) => t === text)).toHaveLength(1);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("redis-chat:outbox:")).map((k) => localStorage.getItem(k)))).toEqual([]);
    await context.close();
  }, 120_000);

  it("messages refused by the rate limit are shown as pending and sent by themselves, in order", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, limited.url, "Alex");
    const texts = Array.from({ length: 5 }, (_, i) => `burst ${Date.now()} #${i + 1}`);
    for (const text of texts) await sendMessage(page, text);
    await messageList(page).getByText("Waiting for the rate limit; sends by itself…").first().waitFor({ timeout: 5000 });
    expect(await messageList(page).getByRole("button", { name: "Retry" }).count()).toBe(0);
    await messageList(page).locator(".msg:not(.msg--pending)").getByText(texts[4]!, { exact: true }).waitFor({ timeout: 20_000 });
    const stored = (await storedTexts(limited.url)).filter((t) => texts.includes(t));
    expect(stored).toEqual(texts);
    expect(await messageList(page).locator(".msg--pending").count()).toBe(0);
    await context.close();
  }, 60_000);

  it("signing out everywhere from another device takes an open page back to the sign-in form at once", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, stack.url, "Joe");
    const elsewhere = await login(limited.url, "Joe");
    expect((await api(limited.url, "/logout/everywhere", elsewhere.cookie, { method: "POST", body: "{}" })).status).toBe(200);
    await page.getByLabel("Username").waitFor({ timeout: 5000 });
    expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(0);
    await context.close();
  }, 30_000);
});
