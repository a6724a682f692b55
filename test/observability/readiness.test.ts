import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/protocol/index.js";
import { api, connect, eventually, send, sleep, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, startChatServerProcess, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { readAllAfter, signUp } from "../resilience/helpers.js";

const readyz = async (url: string) => {
  const started = Date.now();
  const res = await api(url, "/readyz");
  return { ...res, tookMs: Date.now() - started };
};

describe("readiness", () => {
  const db = usePrivateRedis();
  let a: RunningChatServer;
  beforeAll(async () => {
    db.raw.on("error", () => {});
    a = await startChatServer({ redisUrl: db.redis.url });
  });
  afterAll(async () => {
    await a?.close();
  });

  it("is ready when Redis answers, the scripts are loaded and pub/sub is live", async () => {
    const res = await readyz(a.url);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ready", checks: { redis: "ok", scripts: "ok", pubsub: "ok", accepting: "ok" } });
    expect((await api(a.url, "/healthz")).status).toBe(200);
  });

  it("loads the scripts again after a SCRIPT FLUSH instead of staying not ready", async () => {
    await db.raw.scriptFlush();
    expect((await readyz(a.url)).status).toBe(200);
  });

  it("answers 503 within about a second while Redis is too slow to answer", async () => {
    // CLIENT PAUSE holds every client's commands: Redis is up but does not answer for 2 s.
    await db.raw.sendCommand(["CLIENT", "PAUSE", "2000", "ALL"]);
    const res = await readyz(a.url);
    expect(res.status).toBe(503);
    expect(res.body.checks.redis).toBe("failing");
    expect(res.body.message).toMatch(/Redis does not answer/);
    expect(res.tookMs).toBeLessThan(1800);
    await eventually(async () => (await readyz(a.url)).status === 200, 5000, "ready again");
  });

  it("is not ready during a Redis outage, and ready again (pub/sub re-subscribed) once Redis is back", async () => {
    await db.redis.kill();
    try {
      const down = await readyz(a.url);
      expect(down.status).toBe(503);
      expect(down.body.status).toBe("unavailable");
      expect(down.body.checks).toMatchObject({ redis: "failing", pubsub: "failing", accepting: "ok" });
      expect(down.tookMs).toBeLessThan(1500);
    } finally {
      await db.redis.restart();
    }
    const back = (await eventually(async () => {
      const res = await readyz(a.url);
      return res.status === 200 ? res : undefined;
    }, 10_000, "ready after the outage"))!;
    expect(back.body.checks).toEqual({ redis: "ok", scripts: "ok", pubsub: "ok", accepting: "ok" });
  });
});

describe("drain", () => {
  const db = usePrivateRedis();

  it("stops being ready first, sends its sockets away, refuses new ones; they reconnect to another instance and catch up", async () => {
    const a = await startChatServer({ redisUrl: db.redis.url });
    const b = await startChatServer({ redisUrl: db.redis.url });
    try {
      const [alice, bob] = await signUp(a.url, "alice", "bob");
      const sockets: ClientSocket[] = [];
      for (let i = 0; i < 5; i++) sockets.push(await connect(a.url, alice.cookie));
      const reasons: string[] = [];
      for (const s of sockets) s.on("disconnect", (reason) => reasons.push(reason));
      const lastSeen = await send(sockets[0]!, { roomId: "0", message: "before the drain" });
      if (!lastSeen.ok) throw new Error(lastSeen.error);

      const drained = a.instance.drain(2000);
      const during = await readyz(a.url);
      expect(during.status).toBe(503);
      expect(during.body.checks.accepting).toBe("failing");
      expect(during.body.message).toMatch(/shutting down/);
      await expect(connect(a.url, alice.cookie)).rejects.toThrow(/shutting down/);
      // Spread out: not every socket is gone at once.
      expect(reasons.length).toBeLessThan(5);

      // Meanwhile someone on B writes; alice's client, moved to B, catches up from what it had.
      const bobSocket = await connect(b.url, bob.cookie);
      const missed = await send(bobSocket, { roomId: "0", message: "said while alice moved" });
      if (!missed.ok) throw new Error(missed.error);
      await drained;
      expect(reasons).toEqual(Array(5).fill("io server disconnect"));
      const moved = await connect(b.url, alice.cookie);
      const caughtUp: ChatMessage[] = await readAllAfter(b.url, alice.cookie, "0", lastSeen.message.id);
      expect(caughtUp.map((m) => m.message)).toEqual(["said while alice moved"]);
      moved.disconnect();
      bobSocket.disconnect();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("on SIGTERM the process answers /readyz 503 while it drains, and exits 0 within DRAIN_TIMEOUT_MS", async () => {
    const server = await startChatServerProcess({ REDIS_URL: db.redis.url, DRAIN_TIMEOUT_MS: "3000" });
    const who = await signUp(server.url, "carol");
    const sockets = await Promise.all([0, 1, 2, 3].map(() => connect(server.url, who[0].cookie)));
    const disconnected = sockets.map((s) => new Promise<string>((resolve) => s.once("disconnect", resolve)));
    expect((await readyz(server.url)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
    const started = Date.now();
    server.child.kill("SIGTERM");
    await sleep(100);
    const during = await readyz(server.url);
    expect(during.status).toBe(503);
    expect(during.body.checks.accepting).toBe("failing");
    expect(await Promise.all(disconnected)).toEqual(Array(4).fill("io server disconnect"));
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
