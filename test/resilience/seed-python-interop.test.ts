import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PresenceUser, RoomSummary } from "../../src/protocol/index.js";
import { api, connect, eventually, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { collectPresence, rawRedis, signUp } from "./helpers.js";

/**
 * Our server sharing a Redis with the seed's Python server. A raw Redis client replays exactly what
 * that server writes and publishes: `json.dumps` text with Python's separators, a float serverId,
 * ids as strings, `show.room` names read with HMGET (lists), `SREM online_users` on its own
 * disconnect, and users registered without our name index.
 */
const PY_SERVER_ID = 148226.3719;
const envelope = (type: string, data: string) => `{"serverId": ${PY_SERVER_ID}, "type": "${type}", "data": ${data}}`;

describe("sharing a Redis with the seed's Python server", () => {
  const env = usePrivateRedis();
  const logLines: Record<string, unknown>[] = [];
  let server: RunningChatServer;
  let ann: SignedIn, bob: SignedIn, carl: SignedIn;
  let annSocket: ClientSocket, bobSocket: ClientSocket;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    const logger = pino({ level: "warn" }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    server = await startChatServer({ redisUrl: env.redis.url, logger, presenceHeartbeatMs: 500 });
    [ann, bob, carl] = await signUp(server.url, "ann", "bob", "carl");
    annSocket = await connect(server.url, ann.cookie);
    bobSocket = await connect(server.url, bob.cookie);
    sockets.push(annSocket, bobSocket);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server?.close();
  });

  it("a show.room whose names are lists ([['ann'], ['bob']]) reaches both members as {id, names}", async () => {
    const rooms: RoomSummary[] = [];
    annSocket.on("show.room", (r) => rooms.push(r));
    bobSocket.on("show.room", (r) => rooms.push(r));
    await env.raw.publish("MESSAGES", envelope("show.room", `{"id": "1:2", "names": [["ann"], ["bob"]]}`));
    await eventually(() => rooms.length === 2, 5000, "show.room on both sockets");
    expect(rooms).toEqual([
      { id: "1:2", names: ["ann", "bob"] },
      { id: "1:2", names: ["ann", "bob"] },
    ]);
  });

  it("a message with a numeric roomId and a string date is understood and delivered", async () => {
    const got: { message: string; roomId: string; date: number; from: number }[] = [];
    bobSocket.on("message", (m) => got.push(m));
    await env.raw.publish("MESSAGES", envelope("message", `{"from": "${ann.user.id}", "date": "1615480999", "message": "numbers", "roomId": 0}`));
    await eventually(() => got.length === 1, 5000, "the message");
    expect(got[0]).toMatchObject({ from: ann.user.id, date: 1615480999, message: "numbers", roomId: "0" });
  });

  it("an envelope that cannot be understood is logged once per kind, not once per envelope", async () => {
    for (let i = 0; i < 3; i++) {
      await env.raw.publish("MESSAGES", envelope("show.room", `{"id": "1:2", "names": [{"first": "ann"}]}`));
      await env.raw.publish("MESSAGES", envelope("user.typing", `{"id": "1"}`));
    }
    await eventually(() => logLines.filter((l) => l.kind === "unknown type user.typing").length === 1, 5000, "log line");
    await sleep(300);
    expect(logLines.filter((l) => l.kind === "show.room: malformed data")).toHaveLength(1);
    expect(logLines.filter((l) => l.kind === "unknown type user.typing")).toHaveLength(1);
  });

  it("a user the Python server takes out of online_users while we hold their connection is restored and announced online", async () => {
    const seenByBob = collectPresence(bobSocket);
    const announced: string[] = [];
    const listener = await rawRedis(env.redis.url);
    await listener.subscribe("MESSAGES", (raw) => announced.push(raw));
    try {
      // ann also had a tab on the Python server; it closed: SREM + user.disconnected with a string id.
      await env.raw.sRem("online_users", String(ann.user.id));
      await env.raw.publish("MESSAGES", envelope("user.disconnected", `{"username": "ann", "id": "${ann.user.id}", "online": false}`));
      await eventually(async () => (await env.raw.sIsMember("online_users", String(ann.user.id))) === 1, 5000, "ann back in online_users");
      await eventually(() => announced.some((r) => r.includes('"user.connected"') && r.includes('"ann"')), 5000, "user.connected on MESSAGES");
      // Our sockets never see ann go offline: she is connected here.
      await sleep(300);
      expect(seenByBob.filter((p) => p.id === ann.user.id && !p.online)).toEqual([]);
      const online = await api(server.url, "/users/online", bob.cookie);
      expect(Object.keys(online.body)).toContain(String(ann.user.id));
    } finally {
      await listener.close();
    }
  });

  it("a user.disconnected from the Python server for a user we do not hold is delivered and not undone", async () => {
    const seenByBob = collectPresence(bobSocket);
    await env.raw.publish("MESSAGES", envelope("user.disconnected", `{"username": "carl", "id": "${carl.user.id}", "online": false}`));
    await eventually(() => seenByBob.length > 0, 5000, "carl offline");
    expect(seenByBob).toEqual([{ id: carl.user.id, username: "carl", online: false } satisfies PresenceUser]);
    expect(await env.raw.sIsMember("online_users", String(carl.user.id))).toBe(0);
  });

  /** What the Python server's sign-up writes (it knows nothing of our name index). */
  const pythonRegisters = async (username: string): Promise<number> => {
    const id = await env.raw.incr("total_users");
    await env.raw.set(`username:${username}`, `user:${id}`);
    await env.raw.hSet(`user:${id}`, { username, password: "$2b$10$abcdefghijklmnopqrstuuJ3r0vQ2dCg1tQ2yV3E0pQy0uR8o7n6m" });
    await env.raw.sAdd(`user:${id}:rooms`, "0");
    return id;
  };
  const search = async (q: string) => (await api(server.url, `/users/search?q=${q}`, ann.cookie)).body as { id: number; username: string }[];

  it("a user registered through the Python server who connects there is found by people search within seconds", async () => {
    const id = await pythonRegisters("dora");
    await env.raw.publish("MESSAGES", envelope("user.connected", `{"username": "dora", "id": "${id}", "online": true}`));
    const started = Date.now();
    await eventually(async () => (await search("dor")).some((u) => u.id === id && u.username === "dora"), 5000, "dora found");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a user registered through the Python server who never connects is found within seconds too (liveness check)", async () => {
    const id = await pythonRegisters("Eliza");
    await eventually(async () => (await search("eli")).some((u) => u.id === id && u.username === "Eliza"), 5000, "Eliza found");
  });
});
