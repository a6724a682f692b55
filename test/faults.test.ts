import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { startChatServer, type RunningChatServer } from "./support/chat-server.js";
import { api, connect, eventually, login, send } from "./support/chat-client.js";
import { startRedis, type RedisServerHandle } from "./support/redis-server.js";

let redis: RedisServerHandle;
let server: RunningChatServer;

beforeAll(async () => {
  redis = await startRedis({ appendOnly: true });
  server = await startChatServer({ redisUrl: redis.url });
});
afterAll(async () => {
  await server?.close();
  await redis?.kill();
});

describe("while Redis is unreachable", () => {
  it("the API answers 503 JSON, sockets get {ok: false}, and all recovers when Redis is back", async () => {
    const ann = await login(server.url, "ann");
    const socket = await connect(server.url, ann.cookie);
    expect((await send(socket, { roomId: "0", message: "before" })).ok).toBe(true);

    await redis.kill();
    const health = await api(server.url, "/healthz");
    expect(health.status).toBe(503);
    const online = await api(server.url, "/users/online", ann.cookie);
    expect(online.status).toBe(503);
    expect(online.body).toEqual({ message: expect.any(String) });
    const refused = await api(server.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: "x1", password: "password123" }) });
    expect(refused.status).toBe(503);
    const ack = await send(socket, { roomId: "0", message: "during" });
    expect(ack).toEqual({ ok: false, error: expect.stringMatching(/unavailable/i) });

    await redis.restart();
    await eventually(async () => (await api(server.url, "/healthz")).status === 200, 10_000, "healthz 200");
    const after = await send(socket, { roomId: "0", message: "after" });
    expect(after.ok).toBe(true);
    const page = await api(server.url, "/room/0/messages?offset=0&size=10", ann.cookie);
    expect(page.body.map((m: { message: string }) => m.message)).toEqual(["after", "before"]);
    socket.disconnect();
  });
});

describe("when an instance's pub/sub subscription breaks", () => {
  it("its sockets are told to resync from before the break, and history after that point holds what was said meanwhile", async () => {
    const other = await startChatServer({ redisUrl: redis.url });
    try {
      const ann = await login(server.url, "resync_ann");
      const bob = await login(other.url, "resync_bob");
      const annSocket = await connect(server.url, ann.cookie, { batch: true });
      const bobSocket = await connect(other.url, bob.cookie);
      const resyncs: { since: string }[] = [];
      annSocket.on("resync", (r) => resyncs.push(r));

      const raw = createClient({ url: redis.url });
      await raw.connect();
      await raw.sendCommand(["CLIENT", "KILL", "TYPE", "pubsub"]);
      await raw.close();
      const sent = await send(bobSocket, { roomId: "0", message: "said during the break" });
      expect(sent.ok).toBe(true);

      await eventually(() => resyncs.length >= 1, 10_000, "resync");
      const since = resyncs[0]!.since;
      expect(sent.ok && BigInt(since) < BigInt(sent.message.id)).toBe(true);
      const page = await api(server.url, `/room/0/messages?after=${since}&size=100`, ann.cookie);
      expect(page.body.map((m: { message: string }) => m.message)).toContain("said during the break");
      // And live delivery works again.
      const got: string[] = [];
      annSocket.on("message.batch", (b) => got.push(...b.messages.map((m) => m.message)));
      await send(bobSocket, { roomId: "0", message: "after the break" });
      await eventually(() => got.includes("after the break"), 5000, "live delivery");
      annSocket.disconnect();
      bobSocket.disconnect();
    } finally {
      await other.close();
    }
  });
});
