import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageAck } from "../../src/protocol/index.js";
import { api, connect, send, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { readAllAfter, signUp } from "../resilience/helpers.js";

const UNAVAILABLE = /unavailable/i;

/** Times a call: [result, milliseconds]. */
async function timed<T>(call: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await call();
  return [result, Date.now() - started];
}

describe("a Redis in trouble gets a clear answer, fast", () => {
  const env = usePrivateRedis();
  const logLines: Record<string, unknown>[] = [];
  let server: RunningChatServer;
  let ann: SignedIn;
  let socket: ClientSocket;

  beforeAll(async () => {
    const logger = pino({ level: "info" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    server = await startChatServer({ redisUrl: env.redis.url, logger, redisCommandTimeoutMs: 1000 });
    [ann] = await signUp(server.url, "ann");
    socket = await connect(server.url, ann.cookie);
  });
  afterAll(async () => {
    socket?.disconnect();
    await env.raw.configSet("maxmemory", "0").catch(() => {});
    await server?.close();
  });

  describe("out of memory (maxmemory with noeviction)", () => {
    it("sends answer {ok: false} 'unavailable', HTTP answers 503 JSON, logged once per episode, and all works once memory is back", async () => {
      expect((await send(socket, { roomId: "0", message: "before OOM" })).ok).toBe(true);
      await env.raw.configSet({ "maxmemory-policy": "noeviction", maxmemory: "1" });
      const before = logLines.length;

      for (let i = 0; i < 5; i++) {
        const ack = await send(socket, { roomId: "0", message: `during OOM ${i}` });
        expect(ack).toEqual({ ok: false, error: expect.stringMatching(UNAVAILABLE) });
      }
      for (let i = 0; i < 3; i++) {
        const signIn = await api(server.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: `oom${i}`, password: "password123" }) });
        expect(signIn.status).toBe(503);
        expect(signIn.headers.get("content-type")).toMatch(/application\/json/);
        expect(signIn.body).toEqual({ message: expect.stringMatching(UNAVAILABLE) });
      }
      const logged = logLines.slice(before);
      expect(logged.filter((l) => l.kind === "out of memory")).toHaveLength(1);
      // No stack trace per request, no "request failed" at error level.
      expect(logged.filter((l) => l.msg === "request failed" || (typeof l.err === "object" && l.err !== null))).toEqual([]);

      await env.raw.configSet("maxmemory", "0");
      const after = await send(socket, { roomId: "0", message: "after OOM" });
      expect(after.ok).toBe(true);
      const history = (await readAllAfter(server.url, ann.cookie, "0")).map((m) => m.message);
      expect(history).toEqual(["before OOM", "after OOM"]);
    });
  });

  describe("stalled (redis-server paused with SIGSTOP)", () => {
    it("every request's wait is bounded: sends are refused, HTTP answers 503, and nothing acknowledged is lost", async () => {
      const acked = await send(socket, { roomId: "0", message: "acked before the stall", clientId: "stall-0" });
      expect(acked.ok).toBe(true);
      env.redis.pause();
      try {
        const [ack, sendMs] = await timed(() => send(socket, { roomId: "0", message: "sent during the stall", clientId: "stall-1" }, 10_000));
        expect(ack).toEqual({ ok: false, error: expect.stringMatching(UNAVAILABLE) });
        expect(sendMs).toBeLessThan(4000);

        const [online, getMs] = await timed(() => api(server.url, "/users/online", ann.cookie));
        expect(online.status).toBe(503);
        expect(online.body).toEqual({ message: expect.stringMatching(UNAVAILABLE) });
        expect(getMs).toBeLessThan(4000);

        const [signIn, signInMs] = await timed(() =>
          api(server.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: "stalled", password: "password123" }) }),
        );
        expect(signIn.status).toBe(503);
        expect(signInMs).toBeLessThan(4000);

        const [health, healthMs] = await timed(() => api(server.url, "/healthz"));
        expect(health.status).toBe(503);
        expect(healthMs).toBeLessThan(4000);
      } finally {
        env.redis.resume();
      }

      // The refused send may have been stored when Redis resumed; the client resends it with its
      // clientId and gets exactly one stored copy.
      let resent: MessageAck | undefined;
      for (let i = 0; i < 50 && !resent?.ok; i++) {
        resent = await send(socket, { roomId: "0", message: "sent during the stall", clientId: "stall-1" });
        if (!resent.ok) await new Promise((r) => setTimeout(r, 100));
      }
      expect(resent?.ok).toBe(true);
      const history = (await readAllAfter(server.url, ann.cookie, "0")).map((m) => m.message);
      expect(history.filter((m) => m === "acked before the stall")).toHaveLength(1);
      expect(history.filter((m) => m === "sent during the stall")).toHaveLength(1);
    });
  });
});
