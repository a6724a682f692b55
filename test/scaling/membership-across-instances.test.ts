import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/server/config.js";
import type { PubSubMode } from "../../src/server/redis/bus.js";
import { api, collectMessages, connect, eventually, login, send, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { startRedisCluster, type RedisClusterHandle } from "../support/redis-cluster.js";
import { upload } from "../attachments/support.js";

/**
 * Membership is enforced on every path and every fetch, whichever instance answers: a removal,
 * leave or deletion made on A ends access on B at once (no waiting for any envelope), and a member
 * added on A reads on B at once. B holds no socket of the room, so in sharded mode it never hears
 * the room's changes: whatever it cached about the room must not decide a read.
 */

interface Place {
  a: RunningChatServer;
  b: RunningChatServer;
}

const sockets: ClientSocket[] = [];
let counter = 0;

/** Two instances sharing Redis and one folder of files (a file uploaded on A is served by B). */
async function twoInstances(redisOptions: { redisUrl: string; redisClusterNodes?: string[] }, mode: PubSubMode): Promise<Place> {
  const dir = join(tmpdir(), `redis-chat-test-files-${randomBytes(6).toString("hex")}`);
  const attachments = { ...loadConfig({}).attachments, dir };
  const [a, b] = await Promise.all([0, 1].map(() => startChatServer({ ...redisOptions, pubsubMode: mode, attachments })));
  return { a: a!, b: b! };
}

const call = (server: RunningChatServer, who: SignedIn, method: string, path: string, body?: unknown) =>
  api(server.url, path, who.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

/** Every read of a room a member makes, on one instance: each status. */
async function reads(server: RunningChatServer, who: SignedIn, roomId: string, fileId: string, word: string) {
  const [history, details, file, pins, searchIn, searchAll, saved] = await Promise.all([
    call(server, who, "GET", `/room/${roomId}/messages`),
    call(server, who, "GET", `/room/${roomId}`),
    fetch(`${server.url}/room/${roomId}/attachments/${fileId}`, { headers: { cookie: who.cookie } }).then(async (r) => (await r.arrayBuffer(), r.status)),
    call(server, who, "GET", `/room/${roomId}/pins`),
    call(server, who, "GET", `/search?q=${word}&room=${roomId}`),
    call(server, who, "GET", `/search?q=${word}`),
    call(server, who, "GET", `/me/saved`),
  ]);
  return {
    history: history.status,
    details: details.status,
    file,
    pins: pins.status,
    searchIn: searchIn.status,
    /** Results of the search across all of one's rooms that come from this room. */
    searchAllHits: ((searchAll.body?.results ?? []) as { roomId: string }[]).filter((r) => r.roomId === roomId).length,
    /** Saved messages of this room listed. */
    savedHits: ((Array.isArray(saved.body) ? saved.body : []) as { roomId: string }[]).filter((s) => s.roomId === roomId).length,
  };
}

/**
 * A closed room made on A by its owner, with `member` in it: a message (a word to search, a file),
 * pinned and saved by the member. The member reads everything on B first (B caches the room).
 */
async function roomWithHistory(place: Place, owner: SignedIn, member: SignedIn) {
  const created = await call(place.a, owner, "POST", "/rooms", { name: `closed-${++counter}-${randomBytes(3).toString("hex")}`, visibility: "closed", members: [member.user.id] });
  expect(created.status).toBe(201);
  const roomId = String(created.body.id);
  const word = `zebra${randomBytes(3).toString("hex")}`;
  const file = await upload(place.a.url, owner.cookie, roomId, "notes.txt", "secret notes", "text/plain");
  expect(file.status).toBe(201);
  const ownerSocket = await connect(place.a.url, owner.cookie, { batch: true });
  sockets.push(ownerSocket);
  const sent = await send(ownerSocket, { roomId, message: `the ${word} plan`, attachments: [file.body.id] });
  if (!sent.ok) throw new Error(sent.error);
  ownerSocket.disconnect();
  expect((await call(place.a, owner, "PUT", `/room/${roomId}/pins/${sent.message.id}`)).status).toBe(200);
  expect((await call(place.a, member, "PUT", `/me/saved/${roomId}/${sent.message.id}`)).status).toBe(200);
  const before = await reads(place.b, member, roomId, file.body.id, word);
  expect(before).toEqual({ history: 200, details: 200, file: 200, pins: 200, searchIn: 200, searchAllHits: 1, savedHits: 1 });
  return { roomId, fileId: String(file.body.id), word, messageId: sent.message.id };
}

function refused(r: Awaited<ReturnType<typeof reads>>, status: number) {
  expect(r.history).toBe(status);
  expect(r.details).toBe(status);
  // Routes of a room's contents refuse a non-member with 403 whether or not the room still exists.
  expect([status, 403]).toContain(r.file);
  expect([status, 403]).toContain(r.pins);
  expect([status, 403]).toContain(r.searchIn);
  expect(r.searchAllHits).toBe(0);
  expect(r.savedHits).toBe(0);
}

function scenarios(name: string, start: () => Promise<Place>) {
  describe(name, () => {
    let place: Place;
    let owner: SignedIn, member: SignedIn, newcomer: SignedIn;
    beforeAll(async () => {
      place = await start();
      const tag = randomBytes(3).toString("hex");
      owner = await login(place.a.url, `own${tag}`);
      member = await login(place.a.url, `mem${tag}`);
      newcomer = await login(place.a.url, `new${tag}`);
    }, 60_000);
    afterAll(async () => {
      for (const s of sockets.splice(0)) s.disconnect();
      await Promise.allSettled([place?.a.close(), place?.b.close()]);
    });

    it("a member removed on A is refused every read of the room on B at once", async () => {
      const { roomId, fileId, word } = await roomWithHistory(place, owner, member);
      expect((await call(place.a, owner, "DELETE", `/room/${roomId}/members/${member.user.id}`)).status).toBe(200);
      refused(await reads(place.b, member, roomId, fileId, word), 403);
    });

    it("a member who left on A is refused every read of the room on B at once, and cannot type or react there", async () => {
      const { roomId, fileId, word, messageId } = await roomWithHistory(place, owner, member);
      expect((await call(place.a, member, "POST", `/room/${roomId}/leave`, {})).status).toBe(200);
      refused(await reads(place.b, member, roomId, fileId, word), 403);
      const socket = await connect(place.b.url, member.cookie, { batch: true });
      sockets.push(socket);
      expect(await socket.timeout(5000).emitWithAck("typing", { roomId })).toMatchObject({ ok: false });
      expect(await socket.timeout(5000).emitWithAck("room.join", roomId)).toMatchObject({ ok: false });
      expect((await call(place.b, member, "PUT", `/room/${roomId}/messages/${messageId}/reactions/${encodeURIComponent("👍")}`)).status).toBeGreaterThanOrEqual(400);
      socket.disconnect();
    });

    it("a room deleted on A is gone for its members on B at once", async () => {
      const { roomId, fileId, word } = await roomWithHistory(place, owner, member);
      expect((await call(place.a, owner, "DELETE", `/room/${roomId}`)).status).toBe(200);
      refused(await reads(place.b, member, roomId, fileId, word), 404);
    });

    it("a member added on A reads the room on B at once, though B read the room before", async () => {
      const { roomId, fileId, word } = await roomWithHistory(place, owner, member);
      // B has the room's members in memory (the member's reads above), without the newcomer.
      expect((await call(place.b, newcomer, "GET", `/room/${roomId}/messages`)).status).toBe(403);
      expect((await call(place.a, owner, "PUT", `/room/${roomId}/members/${newcomer.user.id}`)).status).toBe(200);
      const r = await reads(place.b, newcomer, roomId, fileId, word);
      expect({ ...r, savedHits: undefined }).toEqual({ history: 200, details: 200, file: 200, pins: 200, searchIn: 200, searchAllHits: 1, savedHits: undefined });
      const details = await call(place.b, newcomer, "GET", `/room/${roomId}`);
      expect(details.body.members.map((m: { id: number }) => m.id)).toContain(newcomer.user.id);
      // A connection on B is in the room from its start, and writes there at once (typing, a message).
      const socket = await connect(place.b.url, newcomer.cookie, { batch: true });
      sockets.push(socket);
      const got = collectMessages(socket);
      const ownerSocket = await connect(place.a.url, owner.cookie, { batch: true });
      sockets.push(ownerSocket);
      const live = await send(ownerSocket, { roomId, message: "welcome" });
      if (!live.ok) throw new Error(live.error);
      await eventually(() => got.some((m) => m.id === live.message.id), 5000, "the newcomer's connection on B gets the room's messages");
      expect(await socket.timeout(5000).emitWithAck("typing", { roomId })).toEqual({ ok: true });
      const sent = await send(socket, { roomId, message: "hello from the newcomer" });
      expect(sent.ok).toBe(true);
      socket.disconnect();
      ownerSocket.disconnect();
    });
  });
}

let redis: RedisServerHandle | undefined;
let cluster: RedisClusterHandle | undefined;
afterAll(async () => {
  await redis?.stop();
  await cluster?.stop();
});

for (const mode of ["sharded", "both", "seed"] as const) {
  scenarios(`PUBSUB_MODE=${mode} on one Redis`, async () => {
    redis ??= await startRedis();
    return twoInstances({ redisUrl: redis.url }, mode);
  });
}

scenarios("PUBSUB_MODE=sharded on a three-master Redis Cluster", async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 0 });
  return twoInstances({ redisUrl: `redis://${cluster.seeds[0]}`, redisClusterNodes: cluster.seeds }, "sharded");
});
