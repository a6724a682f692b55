import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateRoomId, type ChatMessage } from "../../src/protocol/index.js";
import { sendWebhook } from "../../src/server/integrations/webhooks.js";
import { BlockedAddressError } from "../../src/server/net/ssrf-guard.js";
import { api, collectMessages, connect, eventually, send, sleep, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";
import { startReceiver } from "./webhook-receiver.js";

/**
 * Outgoing webhooks with two instances on one Redis (both reading the queue), a local receiver
 * that verifies the signature. ALLOW_PRIVATE_NETWORK_FETCH is on for them (the receiver is on
 * 127.0.0.1); a third instance without it shows the SSRF refusals.
 */
describe("webhooks", () => {
  const db = usePrivateRedis();
  let a: RunningChatServer;
  let b: RunningChatServer;
  let strict: RunningChatServer;
  let admin: { cookie: string; id: number };
  let alice: { cookie: string; id: number };
  let aliceSocket: ClientSocket;
  let aliceReceived: ChatMessage[];
  const closers: (() => Promise<void>)[] = [];

  const options = { allowPrivateNetworkFetch: true, webhookRetryBaseMs: 300, webhookTimeoutMs: 1000, webhookMaxAttempts: 4 };
  const adminCall = (url: string, method: string, path: string, body?: unknown) =>
    api(url, path, admin.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  /** Creates a bot whose webhook is a fresh receiver; waits until both instances know it. */
  const botWithReceiver = async (name: string, respond?: Parameters<typeof startReceiver>[1]) => {
    let secret = "";
    const receiver = await startReceiver(() => secret, respond);
    closers.push(receiver.close);
    const created = await adminCall(a.url, "POST", "/bots", { name, webhookUrl: receiver.url });
    expect(created.status).toBe(201);
    secret = created.body.webhookSecret;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    await sleep(1200); // the other instance's bot directory reloads within a second
    return { receiver, bot: created.body as { id: number; username: string; token: string } };
  };

  beforeAll(async () => {
    a = await startChatServer({ redisUrl: db.redis.url, ...options });
    b = await startChatServer({ redisUrl: db.redis.url, ...options });
    const [boss, al] = await signUp(a.url, "boss", "alice");
    await db.raw.hSet(`user:${boss.user.id}`, "role", "admin");
    admin = { cookie: boss.cookie, id: boss.user.id };
    alice = { cookie: al.cookie, id: al.user.id };
    aliceSocket = await connect(b.url, alice.cookie);
    aliceReceived = collectMessages(aliceSocket);
  });
  afterAll(async () => {
    aliceSocket?.disconnect();
    await Promise.all([a, b].map((s) => s?.close()));
    for (const close of closers) await close();
  });

  it("a mention is delivered exactly once with two instances running, signed; a text answer is posted as the bot's reply", async () => {
    const { receiver, bot } = await botWithReceiver("echo", (call) => ({ status: 200, text: `pong: ${call.payload.message.message}` }));
    const mentions: string[] = [];
    for (let i = 0; i < 10; i++) {
      const ack = await send(aliceSocket, { roomId: "0", message: `hey @Echo, ping ${i}` });
      if (!ack.ok) throw new Error(ack.error);
      mentions.push(ack.message.id);
    }
    await eventually(() => receiver.calls.length >= 10, 10_000, "ten webhook calls");
    await sleep(1500); // time for any duplicate to show up
    expect(receiver.calls.map((c) => c.payload.message.id).sort()).toEqual([...mentions].sort());
    for (const call of receiver.calls) {
      expect(call.signatureValid).toBe(true);
      expect(Math.abs(Number(call.timestamp) - Date.now() / 1000)).toBeLessThan(30);
      expect(call.payload).toMatchObject({ event: "mention", bot: { id: bot.id, username: "echo" }, sender: { id: alice.id, username: "alice" }, attempt: 1 });
    }
    // The replies arrive live (the bot's own messages trigger no webhook: still ten calls).
    await eventually(() => aliceReceived.filter((m) => m.from === bot.id).length === 10, 10_000, "ten replies");
    expect(aliceReceived.filter((m) => m.from === bot.id).map((m) => m.message).sort()).toEqual(
      mentions.map((_, i) => `pong: hey @Echo, ping ${i}`).sort(),
    );
    expect(receiver.calls).toHaveLength(10);
    const status = (await adminCall(a.url, "GET", "/bots")).body.find((x: { id: number }) => x.id === bot.id);
    expect(status.webhook).toMatchObject({ url: receiver.url, lastDeliveredAt: expect.any(Number), lastError: null, consecutiveFailures: 0 });
  });

  it("a private message to a bot is delivered with event 'private'; a message not mentioning it is not", async () => {
    const { receiver, bot } = await botWithReceiver("helper");
    await send(aliceSocket, { roomId: "0", message: "no mention of helper here, nor @helperx" });
    const ack = await send(aliceSocket, { roomId: privateRoomId(alice.id, bot.id), message: "can you help?" });
    if (!ack.ok) throw new Error(ack.error);
    await eventually(() => receiver.calls.length === 1, 5000, "the private message's webhook");
    await sleep(500);
    expect(receiver.calls).toHaveLength(1);
    expect(receiver.calls[0]!.payload).toMatchObject({ event: "private", message: { id: ack.message.id, roomId: privateRoomId(alice.id, bot.id) } });
  });

  it("retries with backoff after the receiver fails, shows the failure to administrators, then delivers", async () => {
    const { receiver, bot } = await botWithReceiver("flaky", (_call, index) => ({ status: index < 2 ? 500 : 200 }));
    const ack = await send(aliceSocket, { roomId: "0", message: "@flaky are you there?" });
    if (!ack.ok) throw new Error(ack.error);
    const failing = await eventually(async () => {
      const bots = (await adminCall(b.url, "GET", "/bots")).body as { id: number; webhook: { lastError: string | null; nextRetryAt: number | null; consecutiveFailures: number } }[];
      const mine = bots.find((x) => x.id === bot.id)!;
      return mine.webhook.lastError ? mine.webhook : undefined;
    }, 5000, "the failure to show");
    expect(failing).toMatchObject({ lastError: "HTTP 500", nextRetryAt: expect.any(Number) });
    expect(failing!.consecutiveFailures).toBeGreaterThanOrEqual(1); // 1, or 2 when the poll was slow
    await eventually(() => receiver.calls.length === 3, 10_000, "three attempts");
    await sleep(800);
    expect(receiver.calls.map((c) => c.payload.attempt)).toEqual([1, 2, 3]);
    expect(new Set(receiver.calls.map((c) => c.payload.message.id))).toEqual(new Set([ack.message.id]));
    // Backoff: 300 ms, then 600 ms.
    expect(receiver.calls[1]!.at - receiver.calls[0]!.at).toBeGreaterThanOrEqual(250);
    expect(receiver.calls[2]!.at - receiver.calls[1]!.at).toBeGreaterThanOrEqual(500);
    const status = (await adminCall(a.url, "GET", "/bots")).body.find((x: { id: number }) => x.id === bot.id).webhook;
    expect(status).toMatchObject({ lastDeliveredAt: expect.any(Number), lastError: null, lastErrorAt: null, nextRetryAt: null, consecutiveFailures: 0 });
  });

  it("gives up after WEBHOOK_MAX_ATTEMPTS", async () => {
    const { receiver, bot } = await botWithReceiver("broken", () => ({ status: 503 }));
    await send(aliceSocket, { roomId: "0", message: "@broken hello" });
    await eventually(() => receiver.calls.length === 4, 15_000, "four attempts");
    await sleep(3000);
    expect(receiver.calls).toHaveLength(4);
    const status = (await adminCall(a.url, "GET", "/bots")).body.find((x: { id: number }) => x.id === bot.id).webhook;
    expect(status).toMatchObject({ lastError: "HTTP 503", nextRetryAt: null, consecutiveFailures: 4 });
  });

  it("an entry held by an instance that died is claimed by another and delivered", async () => {
    const { receiver, bot } = await botWithReceiver("orphan");
    // A consumer that reads an entry and dies before handling it.
    const job = { botId: bot.id, event: "mention", sender: { id: alice.id, username: "alice" }, attempt: 1,
      message: { id: "1700000000000000", from: alice.id, date: 1700000000, message: "@orphan", roomId: "0" } };
    // Added and read by a consumer "ghost" in one transaction, so no live instance reads it first.
    const started = Date.now();
    await db.raw
      .multi()
      .xAdd("{webhooks}:queue", "*", { job: JSON.stringify(job) })
      .xReadGroup("webhooks", "ghost", { key: "{webhooks}:queue", id: ">" }, { COUNT: 1 })
      .exec();
    await eventually(() => receiver.calls.length === 1, 15_000, "delivery after the claim");
    // Claimed once idle for longer than a call may take (2 x WEBHOOK_TIMEOUT_MS + 2 s).
    expect(Date.now() - started).toBeGreaterThanOrEqual(3900);
    await sleep(500);
    expect(receiver.calls).toHaveLength(1);
    expect(receiver.calls[0]!.payload.message.id).toBe("1700000000000000");
  });

  it("refuses webhook URLs on loopback, link-local and private networks (400), at create and at update", async () => {
    // Started only now: its own queue reader would refuse the receivers of the other tests.
    strict = await startChatServer({ redisUrl: db.redis.url, allowPrivateNetworkFetch: false });
    closers.push(() => strict.close());
    const strictAdmin = (method: string, path: string, body?: unknown) =>
      api(strict.url, path, admin.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    for (const url of ["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://169.254.169.254/latest", "http://10.1.2.3/", "http://[::1]/", "http://192.168.1.1/", "ftp://example.com/"]) {
      const res = await strictAdmin("POST", "/bots", { name: "ssrf", webhookUrl: url });
      expect(res.status, url).toBe(400);
      expect(res.body.message).toMatch(/private network|http:\/\/ or https:\/\//);
    }
    const plain = await strictAdmin("POST", "/bots", { name: "nohook" });
    expect(plain.status).toBe(201);
    expect(plain.body.webhookSecret).toBeUndefined();
    expect((await strictAdmin("PATCH", `/bots/${plain.body.id}`, { webhookUrl: "http://127.0.0.1:9/x" })).status).toBe(400);
    const set = await adminCall(a.url, "PATCH", `/bots/${plain.body.id}`, { webhookUrl: "http://127.0.0.1:9/x" });
    expect(set.status).toBe(200);
    expect(set.body.webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(set.body.webhook.url).toBe("http://127.0.0.1:9/x");
  });

  it("refuses at send time, after DNS resolution, a host that resolves to a private address", async () => {
    let secret = "s3cret";
    const receiver = await startReceiver(() => secret);
    closers.push(receiver.close);
    const viaName = receiver.url.replace("127.0.0.1", "localhost");
    await expect(sendWebhook({ url: viaName, secret }, "{}", { timeoutMs: 1000, allowPrivate: false })).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(sendWebhook({ url: receiver.url, secret }, "{}", { timeoutMs: 1000, allowPrivate: false })).rejects.toBeInstanceOf(BlockedAddressError);
    expect(receiver.calls).toHaveLength(0);
    const allowed = await sendWebhook({ url: viaName, secret }, '{"event":"mention","message":{}}', { timeoutMs: 1000, allowPrivate: true });
    expect(allowed.status).toBe(204);
    expect(receiver.calls[0]!.signatureValid).toBe(true);
    secret = "other";
  });
});
