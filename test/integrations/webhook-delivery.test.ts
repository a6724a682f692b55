import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, sleep, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";
import { startReceiver } from "./webhook-receiver.js";

/** Waits until `check` holds, at most `ms`, naming the step when it does not. */
async function within(ms: number, what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

/**
 * Webhook delivery across instances (issue 14): a bot made on one instance is heard on every other
 * at once, one stalled receiver never delays another bot, and a retry that succeeds clears the error.
 */
describe("webhook delivery", () => {
  const db = usePrivateRedis();
  let a: RunningChatServer;
  let b: RunningChatServer;
  let admin: SignedIn, mary: SignedIn;
  const closers: (() => Promise<void>)[] = [];
  const options = { allowPrivateNetworkFetch: true, webhookRetryBaseMs: 200, webhookTimeoutMs: 8000, webhookMaxAttempts: 3 };

  beforeAll(async () => {
    a = await startChatServer({ redisUrl: db.redis.url, ...options });
    b = await startChatServer({ redisUrl: db.redis.url, ...options });
    [admin, mary] = await signUp(a.url, "boss", "mary");
    await db.raw.hSet(`user:${admin.user.id}`, "role", "admin");
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await a?.close();
    await b?.close();
  });

  const makeBot = async (url: string, name: string, webhookUrl: string) => {
    const res = await api(url, "/bots", admin.cookie, { method: "POST", body: JSON.stringify({ name, webhookUrl }) });
    expect(res.status).toBe(201);
    return res.body as { id: number; webhookSecret: string };
  };
  const say = (url: string, text: string) => api(url, "/room/0/messages", mary.cookie, { method: "POST", body: JSON.stringify({ message: text }) });

  it("a bot created on instance A is called when mentioned on instance B right after", async () => {
    let secret = "";
    const receiver = await startReceiver(() => secret);
    closers.push(receiver.close);
    secret = (await makeBot(a.url, "fresh", receiver.url)).webhookSecret;
    expect((await say(b.url, "@fresh hello")).status).toBe(201);
    await within(3000, "the new bot's webhook is called", () => receiver.calls.length === 1);
  });

  it("a stalled receiver never delays another bot's delivery", async () => {
    let secret = "";
    const stalled = await startReceiver(() => secret, () => ({ status: 204, delayMs: 6000 }));
    const healthy = await startReceiver(() => healthySecret);
    let healthySecret = "";
    closers.push(stalled.close, healthy.close);
    secret = (await makeBot(a.url, "stuck", stalled.url)).webhookSecret;
    healthySecret = (await makeBot(a.url, "quick", healthy.url)).webhookSecret;
    await sleep(50);
    for (let i = 0; i < 12; i++) expect((await say(i % 2 ? a.url : b.url, `@stuck job ${i}`)).status).toBe(201);
    await within(3000, "the stalled bot's calls have started", () => stalled.calls.length >= 2);
    const sentAt = Date.now();
    expect((await say(b.url, "@quick ping")).status).toBe(201);
    await within(1500, "the healthy bot is called while the stalled one hangs", () => healthy.calls.length === 1);
    expect(healthy.calls[0]!.at - sentAt).toBeLessThan(1500);
  });

  it("a retry that succeeds clears the last error shown to administrators", async () => {
    let secret = "";
    const flaky = await startReceiver(() => secret, (_call, index) => ({ status: index === 0 ? 500 : 204 }));
    closers.push(flaky.close);
    const bot = await makeBot(b.url, "flaky", flaky.url);
    secret = bot.webhookSecret;
    expect((await say(a.url, "@flaky once")).status).toBe(201);
    await within(5000, "the retry is delivered", () => flaky.calls.length === 2);
    await sleep(200);
    const list = (await api(a.url, "/bots", admin.cookie)).body as { id: number; webhook: { lastError: string | null; lastErrorAt: number | null; lastDeliveredAt: number | null } }[];
    const status = list.find((x) => x.id === bot.id)!.webhook;
    expect(status.lastDeliveredAt).not.toBeNull();
    expect(status.lastError).toBeNull();
    expect(status.lastErrorAt).toBeNull();
  });
});
