import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateRoomId } from "../../src/protocol/index.js";
import { api, collectMessages, connect, eventually, send, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { freePort, usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";
import { scrape, value } from "./scrape.js";

const TOKEN = "metrics-token-for-tests-0123";

/**
 * Two instances on one Redis: A serves /metrics on its main port behind METRICS_TOKEN, B on a
 * separate loopback METRICS_PORT. Every test scrapes, acts, scrapes again.
 */
describe("metrics", () => {
  const db = usePrivateRedis();
  let a: RunningChatServer;
  let b: RunningChatServer;
  let metricsPortB: number;
  const sockets: ClientSocket[] = [];
  const scrapeA = () => scrape(`${a.url}/metrics`, TOKEN);
  const scrapeB = () => scrape(`http://127.0.0.1:${metricsPortB}/metrics`);

  beforeAll(async () => {
    metricsPortB = await freePort();
    a = await startChatServer({ redisUrl: db.redis.url, metricsToken: TOKEN });
    b = await startChatServer({ redisUrl: db.redis.url, metricsPort: metricsPortB, messageRateLimit: 3, messageRateWindowMs: 60_000, loginRateLimit: 2, loginRateWindowMs: 60_000 });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await a?.close();
    await b?.close();
  });

  it("refuses /metrics without the token, and has no /metrics on the main port when only METRICS_PORT is set", async () => {
    expect((await fetch(`${a.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${a.url}/metrics`, { headers: { authorization: "Bearer wrong-token-wrong-token" } })).status).toBe(401);
    expect((await fetch(`${b.url}/metrics`)).status).toBe(404);
    const metrics = await scrapeA();
    expect(value(metrics, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(metrics.has("nodejs_eventloop_lag_seconds")).toBe(true);
  });

  it("counts sockets by mode, users online, sign-ins, stored messages, deliveries and cross-instance latency", async () => {
    const beforeA = await scrapeA();
    const beforeB = await scrapeB();
    const [alice, bob] = await signUp(a.url, "alice", "bob");
    const wrong = await api(a.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: "alice", password: "wrong-password" }) });
    expect(wrong.status).toBe(401);

    const aliceSocket = await connect(a.url, alice.cookie);
    const bobSeed = await connect(b.url, bob.cookie);
    const bobBatch = await connect(b.url, bob.cookie, { batch: true });
    sockets.push(aliceSocket, bobSeed, bobBatch);
    const seen = collectMessages(bobBatch);
    const ack = await send(aliceSocket, { roomId: "0", message: "hello", clientId: "m-1" });
    const again = await send(aliceSocket, { roomId: "0", message: "hello", clientId: "m-1" });
    expect(ack.ok && again.ok).toBe(true);
    const refused = await send(aliceSocket, { roomId: privateRoomId(98, 99), message: "nope" });
    expect(refused.ok).toBe(false);
    await eventually(() => seen.length === 1, 5000, "delivery on B");

    const afterA = await scrapeA();
    const afterB = (await eventually(async () => {
      const m = await scrapeB();
      return value(m, 'chat_deliveries_total{mode="batch"}') > value(beforeB, 'chat_deliveries_total{mode="batch"}') ? m : undefined;
    }))!;
    const delta = (after: Map<string, number>, before: Map<string, number>, sample: string) => value(after, sample) - value(before, sample);

    expect(delta(afterA, beforeA, 'chat_sign_ins_total{outcome="ok"}')).toBe(2);
    expect(delta(afterA, beforeA, 'chat_sign_ins_total{outcome="failed"}')).toBe(1);
    expect(delta(afterA, beforeA, 'chat_messages_total{outcome="stored"}')).toBe(1);
    expect(delta(afterA, beforeA, 'chat_messages_total{outcome="duplicate"}')).toBe(1);
    expect(delta(afterA, beforeA, 'chat_messages_total{outcome="refused"}')).toBe(1);
    expect(delta(afterA, beforeA, "chat_message_store_seconds_count")).toBe(2);
    expect(value(afterA, 'chat_sockets_open{mode="seed"}')).toBe(1);
    expect(value(afterB, 'chat_sockets_open{mode="seed"}')).toBe(1);
    expect(value(afterB, 'chat_sockets_open{mode="batch"}')).toBe(1);
    expect(value(afterA, "chat_users_online")).toBe(2);
    // alice's own socket on A, bob's two sockets on B: one frame each.
    expect(delta(afterA, beforeA, 'chat_deliveries_total{mode="seed"}')).toBe(1);
    expect(delta(afterB, beforeB, 'chat_deliveries_total{mode="seed"}')).toBe(1);
    expect(delta(afterB, beforeB, 'chat_deliveries_total{mode="batch"}')).toBe(1);
    expect(delta(afterB, beforeB, "chat_cross_instance_latency_seconds_count")).toBe(1);
    expect(delta(afterA, beforeA, "chat_cross_instance_latency_seconds_count")).toBe(0);
    expect(value(afterB, 'chat_redis_command_seconds_count{command="EVALSHA"}')).toBeGreaterThanOrEqual(0);
    expect(delta(afterA, beforeA, 'chat_redis_command_seconds_count{command="EVALSHA"}')).toBeGreaterThanOrEqual(2);
  });

  it("counts rate-limited messages and limited sign-ins", async () => {
    const [carol] = await signUp(b.url, "carol");
    const socket = await connect(b.url, carol.cookie);
    sockets.push(socket);
    const before = await scrapeB();
    for (let i = 0; i < 4; i++) await send(socket, { roomId: "0", message: `m${i}` });
    const attempt = () => api(b.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: "carol", password: "wrong-password" }) });
    // A successful sign-in clears the name's counter: two failures, then the limit.
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(429);
    const after = await scrapeB();
    const delta = (sample: string) => value(after, sample) - value(before, sample);
    expect(delta('chat_messages_total{outcome="rate-limited"}')).toBe(1);
    expect(delta('chat_sign_ins_total{outcome="failed"}')).toBe(2);
    expect(delta('chat_sign_ins_total{outcome="limited"}')).toBe(1);
  });

  it("counts Redis command errors while Redis is down", async () => {
    const before = await scrapeA();
    db.raw.on("error", () => {});
    await db.redis.kill();
    try {
      const res = await api(a.url, "/users/online", undefined);
      expect([401, 503]).toContain(res.status);
      await api(a.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: "dave", password: "password123" }) });
      const after = await scrapeA();
      const errors = (m: Map<string, number>) =>
        [...m].filter(([k]) => k.startsWith("chat_redis_command_errors_total")).reduce((n, [, v]) => n + v, 0);
      expect(errors(after)).toBeGreaterThan(errors(before));
    } finally {
      await db.redis.restart();
    }
  });
});
