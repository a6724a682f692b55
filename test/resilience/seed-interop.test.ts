import type { RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage, PresenceUser } from "../../src/protocol/index.js";
import { collectMessages, connect, eventually, send, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { collectPresence, rawRedis, settle, signUp } from "./helpers.js";

/**
 * Interoperability with servers written to the seed: they share the `MESSAGES` channel and the
 * `{serverId, type, data}` envelope. A raw Redis client stands in for such a server.
 */
describe("seed interoperability on MESSAGES", () => {
  let redis: RedisServerHandle;
  let server: RunningChatServer;
  let publisher: RedisClientType;
  let subscriber: RedisClientType;
  const captured: string[] = [];
  const sockets: ClientSocket[] = [];
  let user1: ClientSocket, user2: ClientSocket, user3: ClientSocket;
  let got1: ChatMessage[], got2: ChatMessage[], got3: ChatMessage[];
  let presence3: PresenceUser[];

  beforeAll(async () => {
    redis = await startRedis();
    server = await startChatServer({ redisUrl: redis.url });
    const users = await signUp(server.url, "one", "two", "three");
    expect(users.map((u) => u.user.id)).toEqual([1, 2, 3]);
    publisher = await rawRedis(redis.url);
    subscriber = await rawRedis(redis.url);
    await subscriber.subscribe("MESSAGES", (raw) => captured.push(raw));
    [user1, user2, user3] = (await Promise.all(users.map((u) => connect(server.url, u.cookie)))) as [ClientSocket, ClientSocket, ClientSocket];
    sockets.push(user1, user2, user3);
    [got1, got2, got3] = [user1, user2, user3].map(collectMessages) as [ChatMessage[], ChatMessage[], ChatMessage[]];
    presence3 = collectPresence(user3);
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await subscriber?.close();
    await publisher?.close();
    await server?.close();
    await redis?.stop();
  });

  it("a seed server's private message envelope reaches the sockets of users 1 and 2 and not user 3", async () => {
    await publisher.publish(
      "MESSAGES",
      JSON.stringify({ serverId: 4132, type: "message", data: { from: 1, date: 1615480369, message: "Hello", roomId: "1:2" } }),
    );
    await eventually(() => got1.length > 0 && got2.length > 0, 5000, "delivery of the seed envelope");
    await settle(() => got1.length + got2.length + got3.length);
    for (const got of [got1, got2]) {
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ from: 1, date: 1615480369, message: "Hello", roomId: "1:2" });
      expect(typeof got[0]!.id).toBe("string");
    }
    expect(got3).toEqual([]);
  });

  it("seed envelopes with string ids and dates are understood, and General messages reach everyone", async () => {
    const before = [got1.length, got2.length, got3.length];
    await publisher.publish(
      "MESSAGES",
      JSON.stringify({ serverId: "4133", type: "message", data: { from: "2", date: "1615480400", message: "Strings", roomId: "1:2" } }),
    );
    await publisher.publish(
      "MESSAGES",
      JSON.stringify({ serverId: "seed-py", type: "message", data: { from: "1", date: 1615480401, message: "Hi all", roomId: "0" } }),
    );
    await eventually(() => got3.length > before[2]!, 5000, "General from a seed server");
    await settle(() => got1.length + got2.length + got3.length);
    expect(got1.slice(before[0]).map((m) => [m.from, m.date, m.message, m.roomId])).toEqual([
      [2, 1615480400, "Strings", "1:2"],
      [1, 1615480401, "Hi all", "0"],
    ]);
    expect(got2.slice(before[1]).map((m) => m.message)).toEqual(["Strings", "Hi all"]);
    expect(got3.slice(before[2]).map((m) => m.message)).toEqual(["Hi all"]);
  });

  it("user.connected and user.disconnected from a foreign serverId reach our sockets", async () => {
    await publisher.publish("MESSAGES", JSON.stringify({ serverId: 4132, type: "user.connected", data: { id: "1", username: "one", online: true } }));
    // User 9 has no connection here (users 1-3 do: a disconnect of theirs elsewhere is undone, see
    // seed-python-interop.test.ts).
    await publisher.publish("MESSAGES", JSON.stringify({ serverId: 4132, type: "user.disconnected", data: { id: 9, username: "nine", online: false } }));
    await eventually(() => presence3.some((p) => p.id === 9 && !p.online), 5000, "foreign presence events");
    expect(presence3).toContainEqual({ id: 1, username: "one", online: true });
    expect(presence3).toContainEqual({ id: 9, username: "nine", online: false });
  });

  it("malformed envelopes on MESSAGES are dropped without harm", async () => {
    const before = got1.length;
    for (const raw of ["not json", "{}", JSON.stringify({ serverId: 1, type: "message", data: { from: "x", roomId: 5 } }), "null"]) {
      await publisher.publish("MESSAGES", raw);
    }
    await settle(() => got1.length, 300);
    expect(got1.length).toBe(before);
    const ack = await send(user1, { roomId: "0", message: "still alive" });
    expect(ack.ok).toBe(true);
  });

  it("our own envelopes parse as the seed's {serverId, type, data} with the seed's message fields", async () => {
    captured.length = 0;
    const ack = await send(user1, { roomId: "1:2", message: "from our server", clientId: "ours-1" });
    if (!ack.ok) throw new Error(ack.error);
    // A new connection of a user who was offline announces them.
    const extra = await connect(server.url, (await signUp(server.url, "four"))[0]!.cookie);
    sockets.push(extra);
    await eventually(() => captured.some((r) => r.includes('"user.connected"')), 5000, "our user.connected envelope");
    extra.disconnect();
    await eventually(() => captured.some((r) => r.includes('"user.disconnected"')), 5000, "our user.disconnected envelope");

    const envelopes = captured.map((raw) => JSON.parse(raw) as Record<string, unknown>);
    for (const env of envelopes) {
      expect(Object.keys(env).sort()).toEqual(["data", "serverId", "type"]);
      expect(["string", "number"]).toContain(typeof env.serverId);
    }
    const serverId = server.instance.ctx.config.serverId;
    expect(envelopes.every((e) => String(e.serverId) === serverId)).toBe(true);

    const message = envelopes.find((e) => e.type === "message" && (e.data as { message?: string }).message === "from our server");
    expect(message?.data).toEqual({ id: ack.message.id, from: 1, date: ack.message.date, message: "from our server", roomId: "1:2" });
    const data = message!.data as Record<string, unknown>;
    // The seed's fields with the seed's types: from and date are numbers (date in whole seconds).
    expect(typeof data.from).toBe("number");
    expect(Number.isInteger(data.date)).toBe(true);
    expect(Math.abs((data.date as number) - Date.now() / 1000)).toBeLessThan(60);

    const connected = envelopes.find((e) => e.type === "user.connected");
    expect(connected?.data).toEqual({ id: 4, username: "four", online: true });
    const disconnected = envelopes.find((e) => e.type === "user.disconnected");
    expect(disconnected?.data).toEqual({ id: 4, username: "four", online: false });
  });

  it("the first message of a private room also announces show.room on MESSAGES", async () => {
    captured.length = 0;
    const ack = await send(user2, { roomId: "2:3", message: "first words" });
    expect(ack.ok).toBe(true);
    await eventually(() => captured.some((r) => r.includes('"show.room"')), 5000, "show.room envelope");
    const env = captured.map((r) => JSON.parse(r) as { type: string; data: unknown }).find((e) => e.type === "show.room");
    expect(env?.data).toEqual({ id: "2:3", names: expect.arrayContaining(["two", "three"]) });
  });

  it("a private room a seed client started (heard as show.room) is recorded in both members' room lists, so a reload still lists it", async () => {
    // What a seed server does when its client opens a private room of users 1 and 3 and writes there.
    await publisher.publish("MESSAGES", JSON.stringify({ serverId: 4242, type: "show.room", data: { id: "1:3", names: ["one", "three"] } }));
    await eventually(async () => (await publisher.sIsMember("user:1:rooms", "1:3")) === 1 && (await publisher.sIsMember("user:3:rooms", "1:3")) === 1, 5000, "the room in both members' lists");
  });
});
