import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageAck } from "../../src/protocol/index.js";
import { api, connect, eventually, send, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis, readAllAfter, signUp } from "./helpers.js";

/** Abuse limits are kept in Redis, so they hold across instances; refusals are explicit. */
describe("abuse limits across two instances", () => {
  let redis: RedisServerHandle;
  const servers: RunningChatServer[] = [];
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
  });

  const pair = async (overrides: Parameters<typeof startChatServer>[0] extends infer O ? Omit<O & object, "redisUrl"> : never) => {
    const started = await Promise.all([0, 1].map(() => startChatServer({ redisUrl: redis.url, ...overrides })));
    servers.push(...started);
    return started as [RunningChatServer, RunningChatServer];
  };

  const login = (url: string, username: string, password: string, headers: Record<string, string> = {}) =>
    api(url, "/login", undefined, { method: "POST", body: JSON.stringify({ username, password }), headers });

  describe("per-user message rate limit (5 per 2 s)", () => {
    let a: RunningChatServer, b: RunningChatServer;
    let spammer: SignedIn, other: SignedIn;
    let onA: ClientSocket, onB: ClientSocket, otherSocket: ClientSocket;

    beforeAll(async () => {
      [a, b] = await pair({ messageRateLimit: 5, messageRateWindowMs: 2000 });
      [spammer, other] = await signUp(a.url, "spammer", "bystander");
      [onA, onB, otherSocket] = await Promise.all([connect(a.url, spammer.cookie), connect(b.url, spammer.cookie), connect(b.url, other.cookie)]);
      sockets.push(onA, onB, otherSocket);
    });

    it("past the limit a message is refused with {ok: false, error}, and the limit holds across two instances", async () => {
      const acks: MessageAck[] = [];
      for (let i = 0; i < 3; i++) acks.push(await send(onA, { roomId: "0", message: `spam ${i} on A` }));
      for (let i = 3; i < 5; i++) acks.push(await send(onB, { roomId: "0", message: `spam ${i} on B` }));
      expect(acks.map((x) => x.ok)).toEqual([true, true, true, true, true]);

      const refusedOnA = await send(onA, { roomId: "0", message: "one too many on A" });
      const refusedOnB = await send(onB, { roomId: "0", message: "one too many on B" });
      for (const refused of [refusedOnA, refusedOnB]) {
        expect(refused.ok).toBe(false);
        expect(Object.keys(refused).sort()).toEqual(["error", "ok", "retryAfterMs"]);
        if (!refused.ok) expect(refused.error).toMatch(/too many messages/i);
        // Machine-readable: when the limit allows again (ms), within the 2 s window.
        if (!refused.ok) expect(refused.retryAfterMs).toBeGreaterThan(0);
        if (!refused.ok) expect(refused.retryAfterMs).toBeLessThanOrEqual(2000);
      }
      const history = await readAllAfter(a.url, spammer.cookie, "0");
      expect(history.map((m) => m.message)).not.toContain("one too many on A");
      expect(history.map((m) => m.message)).not.toContain("one too many on B");
    });

    it("the limit is the user's across rooms: spamming private rooms does not get around it", async () => {
      await eventually(async () => (await send(onA, { roomId: "0", message: "fresh window" })).ok, 5000, "window over");
      for (let i = 1; i < 5; i++) await send(onA, { roomId: "0", message: `general ${i}` });
      const lo = Math.min(spammer.user.id, other.user.id);
      const hi = Math.max(spammer.user.id, other.user.id);
      const elsewhere = await send(onA, { roomId: `${lo}:${hi}`, message: "try another room" });
      expect(elsewhere.ok).toBe(false);
    });

    it("another user is not limited by someone else's rate", async () => {
      const ack = await send(otherSocket, { roomId: "0", message: "I am not spamming" });
      expect(ack.ok).toBe(true);
    });

    it("a resend of an already stored message (same clientId) is still acknowledged when the limit is spent", async () => {
      // Once the limit is spent, a resend of a message stored earlier still gets its acknowledgement
      // (a client resending after a reconnect must not be told its stored message was refused).
      await eventually(async () => (await send(onA, { roomId: "0", message: "after the window" })).ok, 5000, "window over");
      const first = await send(onA, { roomId: "0", message: "idempotent", clientId: "rate-1" });
      expect(first.ok).toBe(true);
      for (let i = 0; i < 3; i++) await send(onA, { roomId: "0", message: `filler ${i}` });
      const again = await send(onB, { roomId: "0", message: "idempotent", clientId: "rate-1" });
      expect(again).toEqual(first);
    });

    it("once the window is over, sending works again", async () => {
      await eventually(async () => (await send(onB, { roomId: "0", message: "patience pays" })).ok, 5000, "window over");
    });
  });

  describe("login attempt limit per username (3 per minute)", () => {
    let c: RunningChatServer, d: RunningChatServer;

    beforeAll(async () => {
      [c, d] = await pair({ loginRateLimit: 3, loginRateLimitPerAddress: 1000, loginRateWindowMs: 60_000 });
      await signUp(c.url, "victim");
    });

    it("past the limit sign-in answers HTTP 429 with a JSON {message}, on every instance, even with the right password", async () => {
      expect((await login(c.url, "victim", "wrong-1")).status).toBe(401);
      expect((await login(d.url, "victim", "wrong-2")).status).toBe(401);
      expect((await login(c.url, "victim", "wrong-3")).status).toBe(401);
      for (const url of [c.url, d.url]) {
        const refused = await login(url, "victim", "password123");
        expect(refused.status).toBe(429);
        expect(refused.headers.get("content-type")).toMatch(/application\/json/);
        expect(refused.body).toEqual({ message: expect.stringMatching(/too many failed sign-in attempts/i) });
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    });

    it("the username's limit does not lock out other usernames", async () => {
      expect((await login(d.url, "someone-else", "password123")).status).toBe(201);
    });
  });

  describe("failed sign-in limit per address, across names (5 per minute)", () => {
    let e: RunningChatServer, f: RunningChatServer;

    beforeAll(async () => {
      [e, f] = await pair({ loginRateLimit: 1000, loginRateLimitPerAddress: 5, loginRateWindowMs: 60_000 });
      // Earlier sign-ins in this file came from the same address: start from a clean count.
      const raw = await rawRedis(redis.url);
      for (const key of await raw.keys("ratelimit:login*")) await raw.del(key);
      await raw.close();
      for (let i = 0; i < 6; i++) expect((await login(e.url, `addr-user-${i}`, "password123")).status).toBe(201);
    });

    it("past the limit sign-in from the same address answers HTTP 429 JSON on every instance, whatever the username", async () => {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await login(i % 2 ? f.url : e.url, `addr-user-${i}`, "wrong-password")).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      for (const url of [e.url, f.url]) {
        const refused = await login(url, "addr-user-new", "password123");
        expect(refused.status).toBe(429);
        expect(refused.body).toEqual({ message: expect.any(String) });
      }
    });

    it("a spoofed X-Forwarded-For does not get around it (proxy headers are not trusted unless configured)", async () => {
      const refused = await login(e.url, "addr-user-0", "password123", { "x-forwarded-for": "203.0.113.7" });
      expect(refused.status).toBe(429);
    });
  });
});
