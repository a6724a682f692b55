import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { io as ioClient } from "socket.io-client";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import {
  api,
  collectMessages,
  connect,
  eventually,
  login,
  send,
  sleep,
  type ClientSocket,
  type SignedIn,
} from "../support/chat-client.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";

let redis: RedisServerHandle;
let server: RunningChatServer;
let raw: ReturnType<typeof createClient>;
let ann: SignedIn, bob: SignedIn, cat: SignedIn;
const open: ClientSocket[] = [];

const privateRoom = (a: SignedIn, b: SignedIn) =>
  `${Math.min(a.user.id, b.user.id)}:${Math.max(a.user.id, b.user.id)}`;

async function connectAs(who: SignedIn, options: { batch?: boolean } = {}) {
  const socket = await connect(server.url, who.cookie, options);
  open.push(socket);
  return socket;
}

beforeAll(async () => {
  redis = await startRedis();
  // A long presence window, so that "came and went within one window" holds on a loaded machine.
  server = await startChatServer({ redisUrl: redis.url, presenceFlushMs: 1000 });
  raw = createClient({ url: redis.url });
  await raw.connect();
  [ann, bob, cat] = await Promise.all([login(server.url, "ann"), login(server.url, "bob"), login(server.url, "cat")]);
});
afterEach(() => {
  for (const socket of open.splice(0)) socket.disconnect();
});
afterAll(async () => {
  await raw?.close();
  await server?.close();
  await redis?.kill();
});

describe("the handshake", () => {
  it("refuses a connection without a session", async () => {
    const socket = ioClient(server.url, { transports: ["websocket"], reconnection: false, forceNew: true });
    const error = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
    expect(error.message).toMatch(/unauthorized/);
    socket.disconnect();
  });

  it("refuses a browser handshake from another origin, even with a valid session cookie", async () => {
    for (const origin of ["http://evil.example", `http://127.0.0.1:${Number(new URL(server.url).port) + 1}`, "null"]) {
      const socket = ioClient(server.url, {
        transports: ["websocket"],
        extraHeaders: { cookie: ann.cookie, origin },
        reconnection: false,
        forceNew: true,
      });
      const error = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
      expect(error, origin).toBeInstanceOf(Error);
      expect(socket.connected).toBe(false);
      socket.disconnect();
    }
  });

  it("accepts a browser handshake from the server's own origin", async () => {
    const socket = ioClient(server.url, {
      transports: ["websocket", "polling"],
      extraHeaders: { cookie: ann.cookie, origin: server.url },
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", reject);
    });
    socket.disconnect();
  });

  it("accepts the session cookie and marks the user online", async () => {
    await connectAs(ann);
    await eventually(async () => (await raw.sIsMember("online_users", String(ann.user.id))) === 1);
  });
});

describe("sending a message", () => {
  it("stores it in room:{id} and delivers it to every member, the sender's other tabs too", async () => {
    const sender = await connectAs(ann);
    const otherTab = await connectAs(ann);
    const reader = await connectAs(bob);
    const gotTab = collectMessages(otherTab);
    const gotReader = collectMessages(reader);
    const ack = await send(sender, { roomId: "0", message: "hello general" });
    expect(ack).toEqual({ ok: true, message: expect.objectContaining({ message: "hello general", roomId: "0" }) });
    if (!ack.ok) return;
    await eventually(() => gotTab.length === 1 && gotReader.length === 1);
    expect(gotReader[0]).toEqual(ack.message);
    const stored = await raw.zRangeWithScores("room:0", -1, -1);
    expect(JSON.parse(stored[0]!.value)).toEqual(ack.message);
  });

  it("takes `from` from the session and `date` from the server, whatever the client sent", async () => {
    const sender = await connectAs(ann);
    const ack = await send(sender, { roomId: "0", message: "spoof", from: bob.user.id, date: 1 });
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    expect(ack.message.from).toBe(ann.user.id);
    expect(Math.abs(ack.message.date - Date.now() / 1000)).toBeLessThan(5);
  });

  it("stores text as typed, without HTML escaping", async () => {
    const sender = await connectAs(ann);
    const text = `<b>bold</b> & "quotes" 'single' — ünïcödé 🎉\nsecond line`;
    const ack = await send(sender, { roomId: "0", message: text });
    expect(ack.ok && ack.message.message).toBe(text);
    const page = await api(server.url, "/room/0/messages?offset=0&size=1", ann.cookie);
    expect(page.body[0].message).toBe(text);
  });

  it("keeps history in send order for 100 messages within one second", async () => {
    const sender = await connectAs(bob);
    const acks = await Promise.all(
      Array.from({ length: 100 }, (_, i) => send(sender, { roomId: privateRoom(bob, cat), message: `n${i}` })),
    );
    expect(acks.every((a) => a.ok)).toBe(true);
    const page = await api(server.url, `/room/${privateRoom(bob, cat)}/messages?offset=0&size=100`, cat.cookie);
    expect(page.body.map((m: { message: string }) => m.message).reverse()).toEqual(
      Array.from({ length: 100 }, (_, i) => `n${i}`),
    );
    const scores = (await raw.zRangeWithScores(`room:${privateRoom(bob, cat)}`, 0, -1)).map((e) => e.score);
    expect(new Set(scores).size).toBe(scores.length);
    // Scores stay readable as Unix seconds by servers written to the seed.
    expect(Math.abs(scores[0]! - Date.now() / 1000)).toBeLessThan(60);
  });

  it("refuses to post into a private room of two other users, storing nothing", async () => {
    const intruder = await connectAs(ann);
    const roomId = privateRoom(bob, cat);
    const before = await raw.zCard(`room:${roomId}`);
    const ack = await send(intruder, { roomId, message: "let me in" });
    expect(ack).toEqual({ ok: false, error: expect.stringMatching(/not a member/) });
    expect(await raw.zCard(`room:${roomId}`)).toBe(before);
  });

  it("never delivers a private message to a socket outside the room", async () => {
    const outsider = await connectAs(ann);
    const member = await connectAs(cat);
    const seenByOutsider = collectMessages(outsider);
    const seenByMember = collectMessages(member);
    const sender = await connectAs(bob);
    await send(sender, { roomId: privateRoom(bob, cat), message: "just for cat" });
    await eventually(() => seenByMember.some((m) => m.message === "just for cat"));
    await sleep(100);
    expect(seenByOutsider).toEqual([]);
  });

  it.each([
    ["no payload", undefined],
    ["a string payload", "hello"],
    ["a missing room id", { message: "x" }],
    ["a number for message", { roomId: "0", message: 42 }],
    ["an object for message", { roomId: "0", message: { text: "x" } }],
    ["an empty message", { roomId: "0", message: "" }],
    ["a blank message", { roomId: "0", message: "   \n " }],
    ["a message over 4000 characters", { roomId: "0", message: "x".repeat(4001) }],
    ["a 1 MB message", { roomId: "0", message: "x".repeat(1_000_000) }],
    ["a malformed room id", { roomId: "../../etc", message: "x" }],
    ["a malformed clientId", { roomId: "0", message: "x", clientId: "has spaces" }],
  ])("refuses %s with {ok: false, error}, storing nothing", async (_name, payload) => {
    const sender = await connectAs(ann);
    const before = await raw.zCard("room:0");
    const ack = await send(sender, payload);
    expect(ack).toEqual({ ok: false, error: expect.any(String) });
    expect(await raw.zCard("room:0")).toBe(before);
    expect(sender.connected).toBe(true);
  });

  it("survives a message without an acknowledgement callback", async () => {
    const sender = await connectAs(ann);
    sender.emit("message", { roomId: "0", message: "no ack" });
    sender.emit("message", null);
    const ack = await send(sender, { roomId: "0", message: "after" });
    expect(ack.ok).toBe(true);
  });

  it("accepts exactly 4000 characters", async () => {
    const sender = await connectAs(ann);
    const ack = await send(sender, { roomId: "0", message: "y".repeat(4000) });
    expect(ack.ok).toBe(true);
  });
});

describe("idempotent resends", () => {
  it("stores a repeated clientId once and answers with the first message", async () => {
    const sender = await connectAs(ann);
    const reader = await connectAs(bob);
    const seen = collectMessages(reader);
    const first = await send(sender, { roomId: "0", message: "once", clientId: "c-123" });
    const again = await send(sender, { roomId: "0", message: "once", clientId: "c-123" });
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.message).toEqual(first.message);
    const all = await raw.zRange("room:0", 0, -1);
    expect(all.filter((m) => JSON.parse(m).message === "once")).toHaveLength(1);
    await sleep(100);
    expect(seen.filter((m) => m.message === "once")).toHaveLength(1);
    const ttl = await raw.ttl(`{room:0}:client:${ann.user.id}:c-123`);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it("keeps clientIds of different users apart", async () => {
    const a = await connectAs(ann);
    const b = await connectAs(bob);
    const fromAnn = await send(a, { roomId: "0", message: "ann's", clientId: "shared" });
    const fromBob = await send(b, { roomId: "0", message: "bob's", clientId: "shared" });
    expect(fromAnn.ok && fromBob.ok && fromAnn.message.id !== fromBob.message.id).toBe(true);
  });
});

describe("private rooms", () => {
  it("the first message sends show.room to the other member and records the room for both", async () => {
    const dan = await login(server.url, "dan");
    const eve = await login(server.url, "eve");
    const roomId = privateRoom(dan, eve);
    const eveSocket = await connectAs(eve);
    const shown: unknown[] = [];
    const order: string[] = [];
    eveSocket.on("show.room", (room) => {
      shown.push(room);
      order.push("show.room");
    });
    const received = collectMessages(eveSocket);
    eveSocket.on("message", () => order.push("message"));
    const danSocket = await connectAs(dan);
    const ack = await send(danSocket, { roomId, message: "hi eve" });
    expect(ack.ok).toBe(true);
    await eventually(() => shown.length === 1 && received.length === 1);
    expect(order).toEqual(["show.room", "message"]);
    expect(shown[0]).toEqual({ id: roomId, names: dan.user.id < eve.user.id ? ["dan", "eve"] : ["eve", "dan"] });
    expect(await raw.sIsMember(`user:${eve.user.id}:rooms`, roomId)).toBe(1);
    expect(await raw.sIsMember(`user:${dan.user.id}:rooms`, roomId)).toBe(1);
    await send(danSocket, { roomId, message: "second" });
    await eventually(() => received.length === 2);
    expect(shown).toHaveLength(1);
  });

  it("refuses a private room with a user that does not exist", async () => {
    const socket = await connectAs(ann);
    const ack = await send(socket, { roomId: `${ann.user.id}:987654`, message: "anyone?" });
    expect(ack.ok).toBe(false);
    expect(await raw.exists(`room:${ann.user.id}:987654`)).toBe(0);
  });
});

describe("room.join", () => {
  it("joins rooms the user belongs to and refuses others", async () => {
    const socket = await connectAs(ann);
    expect(await socket.emitWithAck("room.join", "0")).toEqual({ ok: true, roomId: "0" });
    expect(await socket.emitWithAck("room.join", privateRoom(bob, cat))).toEqual({ ok: false, error: expect.any(String) });
    expect(await socket.emitWithAck("room.join", { evil: true })).toEqual({ ok: false, error: expect.any(String) });
  });
});

describe("a named room a seed server added", () => {
  it("is delivered to members who joined it with room.join, and refused to others", async () => {
    await raw.set("room:lounge:name", "Lounge");
    await raw.sAdd(`user:${ann.user.id}:rooms`, "lounge");
    await raw.sAdd(`user:${bob.user.id}:rooms`, "lounge");
    const annSocket = await connectAs(ann);
    const bobSocket = await connectAs(bob, { batch: true });
    const catSocket = await connectAs(cat);
    expect(await annSocket.emitWithAck("room.join", "lounge")).toEqual({ ok: true, roomId: "lounge" });
    expect(await bobSocket.emitWithAck("room.join", "lounge")).toEqual({ ok: true, roomId: "lounge" });
    expect((await catSocket.emitWithAck("room.join", "lounge")).ok).toBe(false);
    const bobGot = collectMessages(bobSocket);
    const catGot = collectMessages(catSocket);
    expect((await send(annSocket, { roomId: "lounge", message: "in the lounge" })).ok).toBe(true);
    expect((await send(catSocket, { roomId: "lounge", message: "let me in" })).ok).toBe(false);
    await eventually(() => bobGot.some((m) => m.message === "in the lounge"));
    await sleep(100);
    expect(catGot.filter((m) => m.roomId === "lounge")).toEqual([]);
  });
});

describe("presence events", () => {
  it("announces user.connected when a user comes online and user.disconnected when their last tab closes", async () => {
    const watcher = await connectAs(cat);
    const fred = await login(server.url, "fred");
    // Only fred's: other users' sockets from earlier tests may still be closing.
    const events: [string, unknown][] = [];
    watcher.on("user.connected", (u) => u.id === fred.user.id && events.push(["connected", u]));
    watcher.on("user.disconnected", (u) => u.id === fred.user.id && events.push(["disconnected", u]));
    const tab1 = await connect(server.url, fred.cookie);
    const tab2 = await connect(server.url, fred.cookie);
    await eventually(() => events.length === 1);
    expect(events[0]).toEqual(["connected", { id: fred.user.id, username: "fred", online: true }]);
    tab1.disconnect();
    await sleep(150);
    expect(events).toHaveLength(1);
    expect(await raw.sIsMember("online_users", String(fred.user.id))).toBe(1);
    tab2.disconnect();
    await eventually(() => events.length === 2);
    expect(events[1]).toEqual(["disconnected", { id: fred.user.id, username: "fred", online: false }]);
    expect(await raw.sIsMember("online_users", String(fred.user.id))).toBe(0);
  });
});

describe("presence coalescing", () => {
  it("does not announce a user who came and went within one presence window", async () => {
    const watcher = await connectAs(cat);
    const batchWatcher = await connectAs(cat, { batch: true });
    const flapper = await login(server.url, "flapper");
    const seen: unknown[] = [];
    watcher.on("user.connected", (u) => u.id === flapper.user.id && seen.push(u));
    watcher.on("user.disconnected", (u) => u.id === flapper.user.id && seen.push(u));
    batchWatcher.on("presence.batch", (b) => seen.push(...b.users.filter((u) => u.id === flapper.user.id)));
    const tab = await connect(server.url, flapper.cookie);
    await eventually(async () => (await raw.sIsMember("online_users", String(flapper.user.id))) === 1);
    tab.disconnect();
    await eventually(async () => (await raw.sIsMember("online_users", String(flapper.user.id))) === 0);
    await sleep(1200);
    expect(seen).toEqual([]);
  });
});

describe("batched delivery", () => {
  it("delivers a burst to a batching client as message.batch frames, every message once and in order", async () => {
    const reader = await connectAs(bob, { batch: true });
    const batches: { roomId: string; messages: { message: string }[] }[] = [];
    let singles = 0;
    reader.on("message.batch", (b) => batches.push(b));
    reader.on("message", () => singles++);
    const sender = await connectAs(ann);
    await Promise.all(Array.from({ length: 50 }, (_, i) => send(sender, { roomId: "0", message: `b${i}` })));
    await eventually(() => batches.flatMap((b) => b.messages).length >= 50);
    const texts = batches.flatMap((b) => b.messages.map((m) => m.message)).filter((t) => t.startsWith("b"));
    expect(texts).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
    expect(batches.length).toBeLessThan(50);
    expect(singles).toBe(0);
  });

  it("coalesces presence changes into presence.batch for batching clients", async () => {
    const watcher = await connectAs(cat, { batch: true });
    const batches: { users: { username: string; online: boolean }[] }[] = [];
    watcher.on("presence.batch", (b) => batches.push(b));
    const names = ["p1", "p2", "p3", "p4"];
    const people = await Promise.all(names.map((n) => login(server.url, n)));
    const sockets = await Promise.all(people.map((p) => connectAs(p)));
    await eventually(() => batches.flatMap((b) => b.users).filter((u) => names.includes(u.username)).length === 4);
    expect(batches.length).toBeLessThan(4);
    expect(sockets.length).toBe(4);
  });
});
