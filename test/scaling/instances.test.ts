import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage, RoomSummary } from "../../src/protocol/index.js";
import { privateRoomId } from "../../src/protocol/index.js";
import { collectMessages, connect, eventually, send, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { settle, signUp } from "../resilience/helpers.js";

/**
 * Three instances on one Redis behave as one server: the seed's `MESSAGES` bridge carries every
 * event across, scoped to the room's members.
 *
 *   instance A: alice (tab 1), dave
 *   instance B: alice (tab 2), bob
 *   instance C: carol, and erin with a batching client
 */
describe("three instances on one Redis", () => {
  let redis: RedisServerHandle;
  let servers: RunningChatServer[] = [];
  const sockets: ClientSocket[] = [];
  type Tab = { name: string; userId: number; socket: ClientSocket; received: ChatMessage[]; shown: RoomSummary[] };
  const tabs: Record<string, Tab> = {};
  let ids: Record<string, number> = {};

  beforeAll(async () => {
    redis = await startRedis();
    servers = await Promise.all([0, 1, 2].map(() => startChatServer({ redisUrl: redis.url })));
    const [a, b, c] = servers.map((s) => s.url) as [string, string, string];
    const users = await signUp(a, "alice", "bob", "carol", "dave", "erin");
    ids = Object.fromEntries(users.map((u) => [u.user.username, u.user.id]));
    const cookie = (name: string) => users.find((u) => u.user.username === name)!.cookie;
    const open = async (tab: string, name: string, url: string, batch = false) => {
      const socket = await connect(url, cookie(name), { batch });
      sockets.push(socket);
      const shown: RoomSummary[] = [];
      socket.on("show.room", (room) => shown.push(room));
      tabs[tab] = { name, userId: ids[name]!, socket, received: collectMessages(socket), shown };
    };
    await open("alice@A", "alice", a);
    await open("dave@A", "dave", a);
    await open("alice@B", "alice", b);
    await open("bob@B", "bob", b);
    await open("carol@C", "carol", c);
    await open("erin@C", "erin", c, true);
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
  });

  const receivedIds = (tab: string) => tabs[tab]!.received.map((m) => m.id);
  const totalReceived = () => Object.values(tabs).reduce((n, t) => n + t.received.length, 0);

  it("a General message reaches every socket on every instance exactly once, the sender's other tab included", async () => {
    const ack = await send(tabs["dave@A"]!.socket, { roomId: "0", message: "hello everyone", clientId: "general-1" });
    if (!ack.ok) throw new Error(ack.error);
    const id = ack.message.id;
    await eventually(() => Object.keys(tabs).every((t) => receivedIds(t).includes(id)), 5000, "delivery to every tab");
    await settle(totalReceived);
    for (const tab of Object.keys(tabs)) {
      expect(receivedIds(tab).filter((x) => x === id), tab).toHaveLength(1);
    }
    expect(tabs["carol@C"]!.received.find((m) => m.id === id)).toEqual({
      id,
      from: ids.dave,
      date: expect.any(Number),
      message: "hello everyone",
      roomId: "0",
    });
  });

  it("a private message reaches both tabs of the sender and the recipient on other instances, and no one else", async () => {
    const roomId = privateRoomId(ids.alice!, ids.bob!);
    const before = Object.fromEntries(Object.keys(tabs).map((t) => [t, tabs[t]!.received.length]));
    const first = await send(tabs["alice@A"]!.socket, { roomId, message: "psst, bob", clientId: "private-1" });
    const reply = await send(tabs["bob@B"]!.socket, { roomId, message: "hi alice", clientId: "private-2" });
    if (!first.ok || !reply.ok) throw new Error("send refused");
    const expected = [first.message.id, reply.message.id];
    for (const tab of ["alice@A", "alice@B", "bob@B"]) {
      await eventually(() => expected.every((id) => receivedIds(tab).includes(id)), 5000, `private delivery to ${tab}`);
    }
    await settle(totalReceived);
    for (const tab of ["alice@A", "alice@B", "bob@B"]) {
      expect(receivedIds(tab).slice(before[tab])).toEqual(expected);
    }
    for (const tab of ["dave@A", "carol@C", "erin@C"]) {
      expect(receivedIds(tab).slice(before[tab]), `${tab} is not a member`).toEqual([]);
      expect(tabs[tab]!.received.some((m) => m.roomId === roomId)).toBe(false);
    }
    // The first message of the room shows it to the other member (on another instance), and only to them.
    await eventually(() => tabs["bob@B"]!.shown.some((r) => r.id === roomId), 5000, "show.room for bob");
    expect(tabs["bob@B"]!.shown.find((r) => r.id === roomId)!.names.sort()).toEqual(["alice", "bob"]);
    for (const tab of ["dave@A", "carol@C", "erin@C"]) expect(tabs[tab]!.shown).toEqual([]);
  });

  it("a private room between users on two other instances never reaches the third instance's sockets", async () => {
    const roomId = privateRoomId(ids.carol!, ids.dave!);
    const before = Object.fromEntries(Object.keys(tabs).map((t) => [t, tabs[t]!.received.length]));
    const acks = [];
    for (let i = 0; i < 5; i++) acks.push(await send(tabs["carol@C"]!.socket, { roomId, message: `carol to dave ${i}` }));
    const sent = acks.map((a) => (a.ok ? a.message.id : "refused"));
    await eventually(() => sent.every((id) => receivedIds("dave@A").includes(id)), 5000, "dave receives");
    await settle(totalReceived);
    expect(receivedIds("carol@C").slice(before["carol@C"])).toEqual(sent);
    expect(receivedIds("dave@A").slice(before["dave@A"])).toEqual(sent);
    for (const tab of ["alice@A", "alice@B", "bob@B", "erin@C"]) {
      expect(receivedIds(tab).slice(before[tab]), tab).toEqual([]);
    }
  });

  it("messages sent on three instances at once reach every socket exactly once, each sender's in send order", async () => {
    const senders = ["alice@A", "bob@B", "carol@C"];
    const before = Object.fromEntries(Object.keys(tabs).map((t) => [t, tabs[t]!.received.length]));
    const acks = await Promise.all(
      senders.flatMap((tab) =>
        Array.from({ length: 20 }, (_, i) => send(tabs[tab]!.socket, { roomId: "0", message: `${tab} burst ${i}` })),
      ),
    );
    const sentIds = acks.map((a) => (a.ok ? a.message.id : "refused"));
    expect(sentIds).not.toContain("refused");
    for (const tab of Object.keys(tabs)) {
      await eventually(() => receivedIds(tab).length - before[tab]! >= 60, 5000, `burst at ${tab}`);
    }
    await settle(totalReceived);
    for (const tab of Object.keys(tabs)) {
      // Each instance hands a message to its sockets as it learns of it: exactly once each, and per
      // sender in send order. (Across senders, message ids give the history order.)
      const got = receivedIds(tab).slice(before[tab]);
      expect([...got].sort(), tab).toEqual([...sentIds].sort());
      for (const sender of senders) {
        const fromSender = tabs[tab]!.received.slice(before[tab]).filter((m) => m.message.startsWith(`${sender} burst`));
        expect(fromSender.map((m) => m.message)).toEqual(Array.from({ length: 20 }, (_, i) => `${sender} burst ${i}`));
      }
    }
  });
});
