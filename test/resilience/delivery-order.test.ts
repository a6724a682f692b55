import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareMessageIds, type ChatMessage, type RoomSummary } from "../../src/protocol/index.js";
import type { PubSubMode } from "../../src/server/redis/bus.js";
import { api, collectMessages, connect, eventually, send, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { signUp } from "./helpers.js";

const MESSAGES = 300;

/**
 * Issue 14: every socket, on every instance, gets a room's messages in stored (id) order, so the
 * newest id a client holds is a cursor that skips nothing. Before, an instance delivered its own
 * messages when the store script answered, while one stored a moment earlier on another instance
 * was still on its way through pub/sub: the later id arrived first, and a catch-up `?after=` it
 * missed the earlier one for good.
 */
describe.each(["seed", "both", "sharded"] as const)("PUBSUB_MODE=%s: live delivery in stored order", (mode: PubSubMode) => {
  let redis: RedisServerHandle;
  let servers: RunningChatServer[] = [];
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    servers = await Promise.all([0, 1].map(() => startChatServer({ redisUrl: redis.url, pubsubMode: mode })));
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
  });

  it("every socket gets a room's messages in stored order, once each, whichever instance stored them", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const [alice, bob, carol] = await signUp(a, "alice", "bob", "carol");
    const senders = [await connect(a, alice.cookie), await connect(b, bob.cookie)];
    const readers = [await connect(a, carol.cookie, { batch: true }), await connect(b, carol.cookie), await connect(a, carol.cookie), ...senders];
    sockets.push(...readers);
    const received = readers.map((r) => collectMessages(r));
    const acks = await Promise.all(
      Array.from({ length: MESSAGES }, (_, i) => send(senders[i % 2]!, { roomId: "0", message: `ordered ${i}`, clientId: `o-${i}` }, 20_000)),
    );
    const ids = acks.map((ack) => (ack.ok ? ack.message.id : "")).filter(Boolean);
    expect(ids).toHaveLength(MESSAGES);
    for (const [i, got] of received.entries()) {
      await eventually(() => ids.every((id) => got.some((m) => m.id === id)), 20_000, `reader ${i}: every message`);
      const order = got.filter((m) => m.message.startsWith("ordered ")).map((m) => m.id);
      expect(order, `reader ${i}: in stored order, once each`).toEqual([...new Set(order)].sort(compareMessageIds));
    }
  }, 90_000);

  it("a new private room's members on the sender's instance hear of the room, then its messages, in order, also when the sender has no socket there", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const [dan, eve, fay] = await signUp(a, "dan", "eve", "fay");
    const danSocket = await connect(a, dan.cookie);
    const eveSockets = [await connect(a, eve.cookie), await connect(b, eve.cookie, { batch: true })];
    sockets.push(danSocket, ...eveSockets);
    const events = eveSockets.map((socket) => {
      const seen: string[] = [];
      socket.on("show.room", (room: RoomSummary) => seen.push(`room ${room.id}`));
      socket.on("message", (m: ChatMessage) => seen.push(m.message));
      socket.on("message.batch", (batch) => seen.push(...batch.messages.map((m) => m.message)));
      return seen;
    });
    const ids = (x: { user: { id: number } }, y: { user: { id: number } }) => `${Math.min(x.user.id, y.user.id)}:${Math.max(x.user.id, y.user.id)}`;

    // Over a socket on the instance eve also holds a socket on.
    const withDan = ids(dan, eve);
    const first = await send(danSocket, { roomId: withDan, message: "dan 1" });
    expect(first.ok).toBe(true);
    const second = await send(danSocket, { roomId: withDan, message: "dan 2" });
    expect(second.ok).toBe(true);
    // Over REST, from someone with no socket anywhere.
    const withFay = ids(fay, eve);
    for (const text of ["fay 1", "fay 2"]) {
      const res = await api(a, `/room/${withFay}/messages`, fay.cookie, { method: "POST", body: JSON.stringify({ message: text }) });
      expect(res.status).toBe(201);
    }
    for (const [i, seen] of events.entries()) {
      await eventually(() => seen.includes("dan 2") && seen.includes("fay 2"), 10_000, `eve's socket ${i}: both rooms`);
      const about = (room: string, texts: string[]) => seen.filter((e) => e === `room ${room}` || texts.includes(e));
      expect(about(withDan, ["dan 1", "dan 2"]), `socket ${i}`).toEqual([`room ${withDan}`, "dan 1", "dan 2"]);
      expect(about(withFay, ["fay 1", "fay 2"]), `socket ${i}`).toEqual([`room ${withFay}`, "fay 1", "fay 2"]);
    }
  }, 60_000);
});
