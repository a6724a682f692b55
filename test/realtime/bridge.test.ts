import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { collectMessages, connect, eventually, login, send, sleep } from "../support/chat-client.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis } from "../resilience/helpers.js";

let redis: RedisServerHandle;
let one: RunningChatServer;
let two: RunningChatServer;

beforeAll(async () => {
  redis = await startRedis();
  [one, two] = await Promise.all([startChatServer({ redisUrl: redis.url }), startChatServer({ redisUrl: redis.url })]);
});
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
  await redis?.kill();
});

describe("two instances on one Redis", () => {
  it("deliver a General message sent on one to members connected to the other, once", async () => {
    const ann = await login(one.url, "ann");
    const bob = await login(two.url, "bob");
    const annSocket = await connect(one.url, ann.cookie);
    const bobSocket = await connect(two.url, bob.cookie);
    const bobGot = collectMessages(bobSocket);
    const annGot = collectMessages(annSocket);
    const ack = await send(annSocket, { roomId: "0", message: "across instances" });
    await eventually(() => bobGot.length === 1);
    expect(ack.ok && bobGot[0]).toEqual(ack.ok && ack.message);
    await sleep(150);
    expect(bobGot).toHaveLength(1);
    expect(annGot).toHaveLength(1);
    annSocket.disconnect();
    bobSocket.disconnect();
  });

  it("deliver a private message only to the room's members on the other instance", async () => {
    const cat = await login(one.url, "cat");
    const dan = await login(two.url, "dan");
    const eve = await login(two.url, "eve");
    const catSocket = await connect(one.url, cat.cookie);
    const danSocket = await connect(two.url, dan.cookie);
    const eveSocket = await connect(two.url, eve.cookie);
    const danGot = collectMessages(danSocket);
    const eveGot = collectMessages(eveSocket);
    const shownToDan: unknown[] = [];
    const danOrder: string[] = [];
    danSocket.on("show.room", (r) => {
      shownToDan.push(r);
      danOrder.push("show.room");
    });
    danSocket.on("message", () => danOrder.push("message"));
    const roomId = `${Math.min(cat.user.id, dan.user.id)}:${Math.max(cat.user.id, dan.user.id)}`;
    await send(catSocket, { roomId, message: "psst" });
    await eventually(() => danGot.length === 1 && shownToDan.length === 1);
    // The room is announced before its first message, across instances too.
    expect(danOrder).toEqual(["show.room", "message"]);
    await sleep(150);
    expect(eveGot).toEqual([]);
    for (const s of [catSocket, danSocket, eveSocket]) s.disconnect();
  });

  it("deliver two messages of different rooms that share an id (stored in the same microsecond on two Cluster masters) to a member of both, each once", async () => {
    const gus = await login(one.url, "gus");
    const hal = await login(one.url, "hal");
    const privateRoom = `${Math.min(gus.user.id, hal.user.id)}:${Math.max(gus.user.id, hal.user.id)}`;
    const seedSocket = await connect(two.url, gus.cookie);
    const batchSocket = await connect(two.url, gus.cookie, { batch: true });
    const [seedGot, batchGot] = [collectMessages(seedSocket), collectMessages(batchSocket)];
    // What the store scripts of another instance publish; an id is unique within its room only.
    const id = `${Date.now()}123456`;
    const envelope = (roomId: string, from: number, text: string) =>
      JSON.stringify({ serverId: "an-instance-elsewhere", type: "message", data: { id, from, date: Math.floor(Date.now() / 1000), message: text, roomId } });
    const publisher = await rawRedis(redis.url);
    try {
      await publisher.publish("MESSAGES", envelope("0", hal.user.id, "in General"));
      await publisher.publish("MESSAGES", envelope(privateRoom, hal.user.id, "in private"));
      // A second copy of one (PUBSUB_MODE=both hears ours on two channels) is still delivered once.
      await publisher.publish("MESSAGES", envelope("0", hal.user.id, "in General"));
    } finally {
      await publisher.close();
    }
    for (const got of [seedGot, batchGot]) await eventually(() => got.length >= 2);
    await sleep(150);
    for (const got of [seedGot, batchGot]) {
      expect(got.map((m) => [m.roomId, m.id, m.message]).sort()).toEqual([["0", id, "in General"], [privateRoom, id, "in private"]].sort());
    }
    seedSocket.disconnect();
    batchSocket.disconnect();
  });

  it("share sessions: a cookie from one instance works on the other", async () => {
    const fay = await login(one.url, "fay");
    const socket = await connect(two.url, fay.cookie);
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });
});
