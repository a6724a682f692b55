import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, connect, eventually, login, send, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis } from "../resilience/helpers.js";

/**
 * DURABLE_ACKS=replica (issue 16) on one Redis with a replica: a message is acknowledged only once
 * the replica has it (WAIT 1), so a master lost right after the acknowledgement loses nothing the
 * replica does not have. With the replica stalled, sends are refused "unavailable" after
 * DURABLE_ACK_TIMEOUT_MS instead of acknowledged, other requests are not held up, and the resend
 * (same clientId) is acknowledged once the replica is back, stored once.
 */
describe("DURABLE_ACKS=replica on one Redis with a replica", () => {
  const TIMEOUT_MS = 1000;
  let master: RedisServerHandle;
  let replica: RedisServerHandle;
  let server: RunningChatServer;
  let socket: ClientSocket;
  let cookie: string;

  beforeAll(async () => {
    master = await startRedis();
    replica = await startRedis({ extraArgs: ["--replicaof", "127.0.0.1", String(master.port)] });
    const check = await rawRedis(replica.url);
    await eventually(async () => (await check.info("replication")).includes("master_link_status:up"), 10_000, "the replica in sync");
    await check.close();
    server = await startChatServer({ redisUrl: master.url, durableAcks: "replica", durableAckTimeoutMs: TIMEOUT_MS });
    const person = await login(server.url, "durable_ann");
    cookie = person.cookie;
    socket = await connect(server.url, cookie);
  });

  afterAll(async () => {
    socket?.disconnect();
    replica?.resume();
    await server?.close();
    await Promise.all([replica?.kill(), master?.kill()]);
  });

  it("acknowledges a burst of messages, each already on the replica when acknowledged", async () => {
    const onReplica = await rawRedis(replica.url);
    try {
      const acks = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          send(socket, { roomId: "0", message: `durable ${i}`, clientId: `durable-${i}` }).then(async (ack) => {
            if (!ack.ok) throw new Error(ack.error);
            // Read from the replica at once: WAIT returned only after it had the write.
            const stored = await onReplica.zRangeByScore("room:0", "-inf", "+inf");
            return stored.some((member) => member.includes(`"durable ${i}"`));
          }),
        ),
      );
      expect(acks.every(Boolean)).toBe(true);
    } finally {
      await onReplica.close();
    }
  });

  it("with the replica stalled, refuses sends as unavailable without holding up other requests, and acknowledges the resend once it is back", async () => {
    replica.pause();
    let resumed = false;
    try {
      const started = Date.now();
      const refused = await send(socket, { roomId: "0", message: "while the replica is stalled", clientId: "stalled-1" });
      expect(refused).toMatchObject({ ok: false });
      expect(!refused.ok && refused.error).toMatch(/unavailable/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      // The shared connection is not blocked by the WAIT of the durable one.
      const readStarted = Date.now();
      const history = await api(server.url, "/room/0/messages?offset=0&size=5", cookie);
      expect(history.status).toBe(200);
      expect(Date.now() - readStarted).toBeLessThan(TIMEOUT_MS);
      replica.resume();
      resumed = true;
      const again = await send(socket, { roomId: "0", message: "while the replica is stalled", clientId: "stalled-1" });
      if (!again.ok) throw new Error(again.error);
      const all = await api(server.url, "/room/0/messages?offset=0&size=100", cookie);
      expect(all.body.filter((m: { message: string }) => m.message === "while the replica is stalled")).toHaveLength(1);
    } finally {
      if (!resumed) replica.resume();
    }
  });
});
