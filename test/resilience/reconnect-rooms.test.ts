import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage, RoomDetails } from "../../src/protocol/index.js";
import { keys } from "../../src/server/redis/keys.js";
import { api, collectMessages, connect, eventually, send, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis, readAllAfter, signUp } from "./helpers.js";

/** Seed-style named rooms alice is also in: her room lookup on connect takes a while, as for anyone in many rooms. */
const OTHER_ROOMS = 5_000;
const ROUNDS = 6;

/**
 * Issue 14: a connection is in every room of its user before it receives anything, so the
 * client's catch-up (`?after=` what it held when the connection broke) and live delivery leave no
 * gap between them. Before, named rooms were joined after a member lookup that ran once the
 * socket was connected: a catch-up answered before that join, and a message stored in between,
 * was neither delivered live nor returned.
 */
describe("reconnecting to any instance loses nothing in a room people made", () => {
  let redis: RedisServerHandle;
  let servers: RunningChatServer[] = [];
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    servers = await Promise.all([0, 1].map(() => startChatServer({ redisUrl: redis.url })));
    const [alice] = await signUp(servers[0]!.url, "alice", "bob");
    const raw = await rawRedis(redis.url);
    await raw.sAdd(keys.userRooms(alice.user.id), Array.from({ length: OTHER_ROOMS }, (_, i) => `seed-room-${i}`));
    await raw.close();
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
  });

  it("a message sent right after a reconnect's catch-up is delivered live, on every reconnect", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const [alice, bob] = await signUp(a, "alice", "bob");
    const created = await api(a, "/rooms", bob.cookie, { method: "POST", body: JSON.stringify({ name: "Made room", members: [alice.user.id] }) });
    expect(created.status).toBe(201);
    const room = created.body as RoomDetails;
    const bobSocket = await connect(a, bob.cookie);
    sockets.push(bobSocket);

    const held = new Map<string, ChatMessage>();
    const first = await send(bobSocket, { roomId: room.id, message: "before anyone reconnects", clientId: "r-0" });
    if (!first.ok) throw new Error(first.error);
    held.set(first.message.id, first.message);
    const missedLive: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // What alice holds when her connection broke: the catch-up starts from there.
      const cursor = [...held.keys()].sort().at(-1)!;
      const socket = await connect(round % 2 ? b : a, alice.cookie);
      sockets.push(socket);
      const live = collectMessages(socket);
      for (const m of await readAllAfter(a, alice.cookie, room.id, cursor)) held.set(m.id, m);
      const ack = await send(bobSocket, { roomId: room.id, message: `right after reconnect ${round}`, clientId: `r-${round}` });
      if (!ack.ok) throw new Error(ack.error);
      const arrived = await eventually(() => live.some((m) => m.id === ack.message.id), 1500, `round ${round}: live delivery`).catch(() => false);
      if (!arrived) missedLive.push(round);
      for (const m of live) held.set(m.id, m);
      socket.disconnect();
    }
    // Whatever alice did not get live she can never get by catching up from what she holds.
    const stored = await readAllAfter(a, alice.cookie, room.id);
    expect({ missedLive, missing: stored.filter((m) => !held.has(m.id)).map((m) => m.message) }).toEqual({ missedLive: [], missing: [] });
  }, 60_000);

  it("a room joined or left while a connection is being set up is joined or left by that connection too", async () => {
    const [a] = servers.map((s) => s.url) as [string, string];
    const [alice, bob] = await signUp(a, "alice", "bob");
    const bobSocket = await connect(a, bob.cookie);
    sockets.push(bobSocket);
    const make = async (name: string) => {
      const res = await api(a, "/rooms", bob.cookie, { method: "POST", body: JSON.stringify({ name, members: [alice.user.id] }) });
      expect(res.status, `create ${name}`).toBe(201);
      return (res.body as RoomDetails).id;
    };
    const leaving = await make("Leaving");
    const joining = await make("Joining");
    await api(a, `/room/${joining}/members/${alice.user.id}`, bob.cookie, { method: "DELETE" });
    // A handshake step after the room lookup that takes a while (a slow network, a busy Redis),
    // held here until both changes have been applied on this instance.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reachedHold!: () => void;
    const atHold = new Promise<void>((resolve) => (reachedHold = resolve));
    servers[0]!.instance.io.use((_socket, next) => {
      reachedHold();
      void held.then(() => next());
    });
    const connecting = connect(a, alice.cookie);
    await atHold;
    expect((await api(a, `/room/${joining}/members/${alice.user.id}`, bob.cookie, { method: "PUT" })).status, "add").toBe(200);
    expect((await api(a, `/room/${leaving}/members/${alice.user.id}`, bob.cookie, { method: "DELETE" })).status, "remove").toBe(200);
    release();
    const socket = await connecting;
    sockets.push(socket);
    const live = collectMessages(socket);
    const resyncs: string[] = [];
    socket.on("resync", (r) => resyncs.push(r.since));
    await eventually(() => resyncs.length > 0, 3000, "a resync for the rooms that changed during the handshake");
    const toJoined = await send(bobSocket, { roomId: joining, message: "to the room just joined", clientId: "j-1" });
    const toLeft = await send(bobSocket, { roomId: leaving, message: "to the room just left", clientId: "l-1" });
    if (!toJoined.ok || !toLeft.ok) throw new Error("send refused");
    await eventually(() => live.some((m) => m.id === toJoined.message.id), 3000, "delivery in the room just joined");
    await new Promise((r) => setTimeout(r, 200));
    expect(live.map((m) => m.roomId), "nothing from the room just left").not.toContain(leaving);
  }, 60_000);
});
