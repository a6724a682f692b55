import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ChatMessage,
  MemberAddedEvent,
  MemberRemovedEvent,
  ReadState,
  RoomAddedEvent,
  RoomDetails,
  RoomRemovedEvent,
  RoomSummary,
  RoomUpdatedEvent,
} from "../../src/protocol/index.js";
import { api, collectMessages, connect, eventually, send, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/**
 * Live membership on two instances sharing one Redis (issue 9): every change reaches everyone
 * concerned on both, a removed member's sockets stop receiving the room at once, and bans end
 * sockets everywhere.
 */
let redis: RedisServerHandle;
let a: RunningChatServer, b: RunningChatServer;
let admin: SignedIn, owner: SignedIn, member: SignedIn, third: SignedIn;
const sockets: ClientSocket[] = [];

interface Tab {
  socket: ClientSocket;
  messages: ChatMessage[];
  events: [string, unknown][];
}

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([startChatServer({ redisUrl: redis.url }), startChatServer({ redisUrl: redis.url })]);
  [admin, owner, member, third] = await signUp(a.url, "admin", "owner", "member", "third");
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all([a, b].map((s) => s?.close()));
  await redis?.stop();
});

const EVENTS = ["room.added", "room.removed", "room.updated", "room.deleted", "room.member.added", "room.member.removed", "room.read", "show.room"] as const;

async function tab(server: RunningChatServer, who: SignedIn, batch = true): Promise<Tab> {
  const socket = await connect(server.url, who.cookie, { batch });
  sockets.push(socket);
  const events: [string, unknown][] = [];
  for (const name of EVENTS) (socket as unknown as { on(e: string, f: (p: unknown) => void): void }).on(name, (p) => events.push([name, p]));
  return { socket, messages: collectMessages(socket), events };
}

const call = (server: RunningChatServer, who: SignedIn, method: string, path: string, body?: unknown) =>
  api(server.url, path, who.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const eventsOf = <T>(t: Tab, name: string) => t.events.filter(([n]) => n === name).map(([, p]) => p as T);

describe("live rooms across two instances", () => {
  it("a room created on A reaches its members' sockets on B at once, and they receive its messages without room.join", async () => {
    const memberOnB = await tab(b, member);
    const ownerOnA = await tab(a, owner);
    const res = await call(a, owner, "POST", "/rooms", { name: "Live", visibility: "closed", members: [member.user.id] });
    const room = res.body as RoomDetails;
    await eventually(() => eventsOf(memberOnB, "room.added").length === 1, 5000, "room.added on B");
    expect(eventsOf<RoomAddedEvent>(memberOnB, "room.added")[0]!.room).toMatchObject({ id: room.id, name: "Live", kind: "room", visibility: "closed", unread: 0 });
    expect(eventsOf(ownerOnA, "room.added")).toHaveLength(1);
    const ack = await send(ownerOnA.socket, { roomId: room.id, message: "first words" });
    if (!ack.ok) throw new Error(ack.error);
    await eventually(() => memberOnB.messages.some((m) => m.id === ack.message.id), 5000, "the message on B");
  });

  it("a new connection is subscribed to its named rooms by the server", async () => {
    const room = (await call(a, owner, "POST", "/rooms", { name: "Subscribed on connect", members: [member.user.id] })).body as RoomDetails;
    const later = await tab(b, member);
    await sleep(200);
    const ack = await send((await tab(a, owner)).socket, { roomId: room.id, message: "for the later tab" });
    if (!ack.ok) throw new Error(ack.error);
    await eventually(() => later.messages.some((m) => m.id === ack.message.id), 5000, "delivery to a tab that never joined");
  });

  it("adding a member on B tells the new member on A (room.added, show.room for seed-mode sockets) and the room's members", async () => {
    const room = (await call(a, owner, "POST", "/rooms", { name: "Growing", visibility: "closed" })).body as RoomDetails;
    const ownerOnA = await tab(a, owner);
    const thirdSeedOnA = await tab(a, third, false);
    await sleep(100);
    await call(b, owner, "PUT", `/room/${room.id}/members/${third.user.id}`);
    await eventually(() => eventsOf(thirdSeedOnA, "show.room").length === 1, 5000, "show.room");
    expect(eventsOf<RoomSummary>(thirdSeedOnA, "show.room")[0]).toEqual({ id: room.id, names: ["Growing"] });
    expect(eventsOf(thirdSeedOnA, "room.added")).toHaveLength(1);
    await eventually(() => eventsOf(ownerOnA, "room.member.added").length === 1, 5000, "room.member.added");
    expect(eventsOf<MemberAddedEvent>(ownerOnA, "room.member.added")[0]).toMatchObject({
      roomId: room.id, memberCount: 2, member: { id: third.user.id, username: "third", online: true, role: "member" },
    });
    const ack = await send(ownerOnA.socket, { roomId: room.id, message: "welcome" });
    if (!ack.ok) throw new Error(ack.error);
    await eventually(() => thirdSeedOnA.messages.some((m) => m.id === ack.message.id), 5000, "the new member gets messages");
  });

  it("a member removed on A stops receiving the room on B at once, and their writes and reads are refused", async () => {
    const room = (await call(a, owner, "POST", "/rooms", { name: "Removal", visibility: "closed", members: [member.user.id] })).body as RoomDetails;
    const memberOnB = await tab(b, member);
    const ownerOnB = await tab(b, owner);
    await sleep(100);
    const before = await send(ownerOnB.socket, { roomId: room.id, message: "before removal" });
    if (!before.ok) throw new Error(before.error);
    await eventually(() => memberOnB.messages.some((m) => m.id === before.message.id), 5000, "delivery before removal");

    expect((await call(a, owner, "DELETE", `/room/${room.id}/members/${member.user.id}`)).body).toEqual({ ok: true });
    // The very next write, on B, straight after the HTTP answer on A.
    const refused = await send(memberOnB.socket, { roomId: room.id, message: "am I still here?" });
    expect(refused).toMatchObject({ ok: false, error: "You are not a member of this room" });
    await eventually(() => eventsOf(memberOnB, "room.removed").length === 1, 5000, "room.removed");
    expect(eventsOf<RoomRemovedEvent>(memberOnB, "room.removed")[0]).toEqual({ roomId: room.id, reason: "removed" });
    await eventually(() => eventsOf(ownerOnB, "room.member.removed").length === 1, 5000, "room.member.removed");
    expect(eventsOf<MemberRemovedEvent>(ownerOnB, "room.member.removed")[0]).toMatchObject({ roomId: room.id, userId: member.user.id, memberCount: 1 });

    const after = await send(ownerOnB.socket, { roomId: room.id, message: "after removal" });
    if (!after.ok) throw new Error(after.error);
    await sleep(300);
    expect(memberOnB.messages.some((m) => m.id === after.message.id)).toBe(false);
    expect((await call(b, member, "GET", `/room/${room.id}/messages`)).status).toBe(403);
    expect(await memberOnB.socket.emitWithAck("room.join", room.id)).toMatchObject({ ok: false });
  });

  it("the store script checks the member set itself: a removal this instance has not heard of yet still refuses the write", async () => {
    const room = (await call(a, owner, "POST", "/rooms", { name: "Script check", members: [member.user.id] })).body as RoomDetails;
    const memberOnB = await tab(b, member);
    const first = await send(memberOnB.socket, { roomId: room.id, message: "warms B's member cache" });
    expect(first.ok).toBe(true);
    // Behind every instance's back: no envelope, B's cache still says member.
    const { rawRedis } = await import("../resilience/helpers.js");
    const raw = await rawRedis(redis.url);
    await raw.sRem(`{room:${room.id}}:members`, String(member.user.id));
    await raw.close();
    expect(await send(memberOnB.socket, { roomId: room.id, message: "refused by the script" })).toMatchObject({ ok: false });
  });

  it("a message a seed server writes into a room people made reaches its members only", async () => {
    const room = (await call(a, owner, "POST", "/rooms", { name: "Seed writes here", visibility: "closed", members: [member.user.id] })).body as RoomDetails;
    const memberOnB = await tab(b, member);
    const outsiderOnB = await tab(b, third);
    await sleep(100);
    const { rawRedis } = await import("../resilience/helpers.js");
    const raw = await rawRedis(redis.url);
    // What a seed server does on a send: ZADD the message, PUBLISH the envelope.
    const message = { from: owner.user.id, date: Math.floor(Date.now() / 1000), message: "from a seed server", roomId: room.id };
    await raw.zAdd(`room:${room.id}`, { score: message.date, value: JSON.stringify(message) });
    await raw.publish("MESSAGES", JSON.stringify({ serverId: 4132, type: "message", data: message }));
    await raw.close();
    await eventually(() => memberOnB.messages.some((m) => m.message === "from a seed server"), 5000, "the seed's message");
    await sleep(200);
    expect(outsiderOnB.messages.some((m) => m.message === "from a seed server")).toBe(false);
    const history = (await call(b, member, "GET", `/room/${room.id}/messages`)).body as ChatMessage[];
    expect(history.map((m) => m.message)).toContain("from a seed server");
  });

  it("renaming on A and deleting on B reach the members on the other instance", async () => {
    const room = (await call(a, owner, "POST", "/rooms", { name: "Old name", members: [member.user.id] })).body as RoomDetails;
    const memberOnB = await tab(b, member);
    const memberOnA = await tab(a, member);
    await sleep(100);
    await call(a, owner, "PATCH", `/room/${room.id}`, { name: "New name", topic: "fresh" });
    for (const t of [memberOnA, memberOnB]) {
      await eventually(() => eventsOf(t, "room.updated").length === 1, 5000, "room.updated");
      expect(eventsOf<RoomUpdatedEvent>(t, "room.updated")[0]).toEqual({ roomId: room.id, name: "New name", topic: "fresh", visibility: "open" });
    }
    await call(b, owner, "DELETE", `/room/${room.id}`);
    for (const t of [memberOnA, memberOnB]) {
      await eventually(() => eventsOf(t, "room.deleted").length === 1, 5000, "room.deleted");
      expect(eventsOf(t, "room.removed")).toEqual([{ roomId: room.id, reason: "deleted" }]);
    }
  });

  it("joining and leaving an open room on one instance updates the others", async () => {
    const room = (await call(a, owner, "POST", "/rooms", { name: "Open door" })).body as RoomDetails;
    const ownerOnB = await tab(b, owner);
    const thirdOnB = await tab(b, third);
    await sleep(100);
    await call(a, third, "POST", `/room/${room.id}/join`);
    await eventually(() => eventsOf(thirdOnB, "room.added").length === 1, 5000, "room.added after join");
    await eventually(() => eventsOf(ownerOnB, "room.member.added").length === 1, 5000, "room.member.added after join");
    await call(a, third, "POST", `/room/${room.id}/leave`);
    await eventually(() => eventsOf<RoomRemovedEvent>(thirdOnB, "room.removed").some((e) => e.reason === "left"), 5000, "room.removed after leave");
    await eventually(() => eventsOf(ownerOnB, "room.member.removed").length === 1, 5000, "room.member.removed after leave");
  });

  it("the read state moved in one tab reaches the user's other tabs on both instances", async () => {
    const tabA = await tab(a, member);
    const tabB = await tab(b, member);
    const ownerTab = await tab(a, owner);
    const ack = await send(ownerTab.socket, { roomId: "0", message: "read me" });
    if (!ack.ok) throw new Error(ack.error);
    await call(a, member, "PUT", "/room/0/read", { messageId: ack.message.id });
    for (const t of [tabA, tabB]) {
      await eventually(() => eventsOf<ReadState>(t, "room.read").some((e) => e.lastRead === ack.message.id), 5000, "room.read");
    }
    expect(eventsOf(ownerTab, "room.read")).toEqual([]);
  });

  it("room.read is published only when the marker moved: 42 PUTs of one marker (and older ones) make one event on each tab", async () => {
    const [reader] = await signUp(a.url, "reader42");
    const tabs = [await tab(a, reader), await tab(b, reader)];
    const ownerTab = await tab(a, owner);
    const older = await send(ownerTab.socket, { roomId: "0", message: "older" });
    const newer = await send(ownerTab.socket, { roomId: "0", message: "newer" });
    if (!older.ok || !newer.ok) throw new Error("not sent");
    const answers = await Promise.all(
      Array.from({ length: 42 }, (_, i) => call(i % 2 ? b : a, reader, "PUT", "/room/0/read", { messageId: newer.message.id })),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(42).fill(200));
    const behind = await call(a, reader, "PUT", "/room/0/read", { messageId: older.message.id });
    expect((behind.body as ReadState).lastRead, "the marker never goes back").toBe(newer.message.id);
    for (const t of tabs) await eventually(() => eventsOf(t, "room.read").length > 0, 5000, "room.read");
    await sleep(500);
    for (const t of tabs) expect(eventsOf<ReadState>(t, "room.read").map((e) => e.lastRead)).toEqual([newer.message.id]);
  });

  it("a ban made on A disconnects the user's sockets on B and their session cannot open new ones", async () => {
    const victim = (await signUp(a.url, "victim"))[0];
    const onB = await tab(b, victim);
    let disconnected = false;
    onB.socket.on("disconnect", () => (disconnected = true));
    await call(a, admin, "POST", `/users/${victim.user.id}/ban`, {});
    await eventually(() => disconnected, 5000, "the socket on B to be disconnected");
    await expect(connect(b.url, victim.cookie)).rejects.toThrow(/unauthorized/);
  });
});
