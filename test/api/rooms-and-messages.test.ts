import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { api, connect, login, send, type SignedIn } from "../support/chat-client.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";

let redis: RedisServerHandle;
let server: RunningChatServer;
let raw: ReturnType<typeof createClient>;
let ann: SignedIn, bob: SignedIn, cat: SignedIn;

beforeAll(async () => {
  redis = await startRedis();
  server = await startChatServer({ redisUrl: redis.url });
  raw = createClient({ url: redis.url });
  await raw.connect();
  [ann, bob, cat] = await Promise.all([login(server.url, "ann"), login(server.url, "bob"), login(server.url, "cat")]);
});
afterAll(async () => {
  await raw?.close();
  await server?.close();
  await redis?.kill();
});

const get = (path: string, who?: SignedIn) => api(server.url, path, who?.cookie);
const post = (path: string, body: unknown, who?: SignedIn) =>
  api(server.url, path, who?.cookie, { method: "POST", body: JSON.stringify(body) });

async function sendAll(who: SignedIn, roomId: string, texts: string[]) {
  const socket = await connect(server.url, who.cookie);
  const acks = [];
  for (const message of texts) acks.push(await send(socket, { roomId, message }));
  socket.disconnect();
  return acks.map((a) => (a.ok ? a.message : undefined));
}

describe("rooms", () => {
  it("GET /rooms/:userId lists General for a new user", async () => {
    const res = await get(`/rooms/${ann.user.id}`, ann);
    expect(res.status).toBe(200);
    // The seed's {id, names}, plus the fields of issue 9 (name, kind, read state).
    expect(res.body).toMatchObject([{ id: "0", names: ["General"], name: "General", kind: "general" }]);
    expect(res.body).toHaveLength(1);
  });

  it("GET /rooms/:userId of another user is 403", async () => {
    const res = await get(`/rooms/${bob.user.id}`, ann);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ message: expect.any(String) });
  });

  it("POST /room creates the private room low:high and records it for both users", async () => {
    const res = await post("/room", { user1: String(cat.user.id), user2: ann.user.id }, ann);
    expect(res.status).toBe(201);
    const id = `${Math.min(ann.user.id, cat.user.id)}:${Math.max(ann.user.id, cat.user.id)}`;
    expect(res.body).toEqual({ id, names: expect.arrayContaining(["ann", "cat"]) });
    expect(await raw.sIsMember(`user:${ann.user.id}:rooms`, id)).toBe(1);
    expect(await raw.sIsMember(`user:${cat.user.id}:rooms`, id)).toBe(1);
    expect(await raw.exists(`room:${id}:name`)).toBe(0);
    // Returned again, not duplicated.
    expect((await post("/room", { user1: ann.user.id, user2: cat.user.id }, ann)).body.id).toBe(id);
  });

  it("leaves private rooms without messages out of the list, as the seed does", async () => {
    await post("/room", { user1: ann.user.id, user2: bob.user.id }, ann);
    const rooms = (await get(`/rooms/${ann.user.id}`, ann)).body as { id: string }[];
    expect(rooms.map((r) => r.id)).toEqual(["0"]);
  });

  it("lists a private room once it has a message, with both usernames", async () => {
    const id = `${Math.min(ann.user.id, bob.user.id)}:${Math.max(ann.user.id, bob.user.id)}`;
    await sendAll(ann, id, ["hi bob"]);
    const rooms = (await get(`/rooms/${bob.user.id}`, bob)).body;
    expect(rooms).toContainEqual(
      expect.objectContaining({ id, names: [ann.user.id < bob.user.id ? "ann" : "bob", ann.user.id < bob.user.id ? "bob" : "ann"] }),
    );
  });

  it("POST /room for two other users is 403, for oneself 400, for an unknown user 404", async () => {
    expect((await post("/room", { user1: bob.user.id, user2: cat.user.id }, ann)).status).toBe(403);
    expect((await post("/room", { user1: ann.user.id, user2: ann.user.id }, ann)).status).toBe(400);
    expect((await post("/room", { user1: ann.user.id, user2: 999999 }, ann)).status).toBe(404);
    expect((await post("/room", { user1: "x", user2: [] }, ann)).status).toBe(400);
  });
});

describe("message history", () => {
  let roomId: string;
  let stored: string[];

  beforeAll(async () => {
    roomId = `${Math.min(bob.user.id, cat.user.id)}:${Math.max(bob.user.id, cat.user.id)}`;
    const texts = Array.from({ length: 40 }, (_, i) => `m${i}`);
    stored = (await sendAll(bob, roomId, texts)).map((m) => m!.id);
  });

  it("pages exactly `size` messages, newest first, as ZREVRANGE offset", async () => {
    const first = await get(`/room/${roomId}/messages?offset=0&size=15`, cat);
    expect(first.status).toBe(200);
    expect(first.body.map((m: { message: string }) => m.message)).toEqual(
      Array.from({ length: 15 }, (_, i) => `m${39 - i}`),
    );
    const second = await get(`/room/${roomId}/messages?offset=15&size=15`, cat);
    expect(second.body.map((m: { message: string }) => m.message)[0]).toBe("m24");
    const last = await get(`/room/${roomId}/messages?offset=30&size=15`, cat);
    expect(last.body).toHaveLength(10);
  });

  it("returns messages strictly after a message id, oldest first", async () => {
    const res = await get(`/room/${roomId}/messages?after=${stored[9]}&size=5`, cat);
    expect(res.status).toBe(200);
    expect(res.body.map((m: { id: string }) => m.id)).toEqual(stored.slice(10, 15));
    const end = await get(`/room/${roomId}/messages?after=${stored[39]}&size=5`, cat);
    expect(end.body).toEqual([]);
  });

  it("refuses history of a room one is not in with 403", async () => {
    const res = await get(`/room/${roomId}/messages?offset=0&size=15`, ann);
    expect(res.status).toBe(403);
  });

  it.each([
    ["a negative offset", "offset=-1&size=15"],
    ["a zero size", "offset=0&size=0"],
    ["a huge size", "offset=0&size=100000"],
    ["a non-numeric offset", "offset=abc&size=15"],
    ["a malformed after id", "after=abc&size=5"],
  ])("refuses %s with 400", async (_name, query) => {
    const res = await get(`/room/0/messages?${query}`, cat);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: expect.any(String) });
  });

  it("refuses a malformed room id with 400", async () => {
    expect((await get(`/room/${encodeURIComponent("<script>")}/messages`, cat)).status).toBe(400);
  });
});

describe("users", () => {
  it("GET /users?ids[]= answers {id: {id, username, online}} and leaves unknown ids out", async () => {
    const res = await get(`/users?ids[]=${ann.user.id}&ids[]=${bob.user.id}&ids[]=424242`, ann);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      [ann.user.id]: { id: ann.user.id, username: "ann", online: false },
      [bob.user.id]: { id: bob.user.id, username: "bob", online: false },
    });
  });

  it("GET /users/online lists users with an open connection", async () => {
    const socket = await connect(server.url, cat.cookie);
    try {
      const res = await get("/users/online", ann);
      expect(res.body[cat.user.id]).toEqual({ id: cat.user.id, username: "cat", online: true });
      expect(res.body[ann.user.id]).toBeUndefined();
    } finally {
      socket.disconnect();
    }
  });

  it("GET /users/online answers a page at a time, x-next-cursor naming the next, every online user once over the pages", async () => {
    // 1,500 ids online (no such users: they are left out of the body) make SSCAN split the set.
    const ghosts = Array.from({ length: 1500 }, (_, i) => String(900_000 + i));
    await raw.sAdd("online_users", ghosts);
    const socket = await connect(server.url, cat.cookie);
    try {
      const seen: string[] = [];
      let pages = 0;
      for (let cursor = "0"; ; ) {
        const res = await get(`/users/online?limit=100&cursor=${cursor}`, ann);
        expect(res.status).toBe(200);
        pages++;
        seen.push(...Object.keys(res.body));
        const next = res.headers.get("x-next-cursor");
        if (!next) break;
        cursor = next;
      }
      expect(pages).toBeGreaterThan(5);
      expect(seen).toEqual([String(cat.user.id)]);
      expect((await get("/users/online?limit=0", ann)).status).toBe(400);
    } finally {
      socket.disconnect();
      await raw.sRem("online_users", ghosts);
    }
  });

  it("GET /users/search finds people by name prefix", async () => {
    const res = await get("/users/search?q=ca", ann);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ id: cat.user.id, username: "cat", online: expect.any(Boolean) }]);
  });

  it("GET /users/search is case-insensitive and refuses characters no username has", async () => {
    expect((await get("/users/search?q=CA", ann)).body.map((u: { username: string }) => u.username)).toEqual(["cat"]);
    expect((await get(`/users/search?q=${encodeURIComponent("a*")}`, ann)).status).toBe(400);
  });

  it("refuses malformed ids with 400", async () => {
    expect((await get("/users?ids[]=abc", ann)).status).toBe(400);
  });
});

describe("service routes", () => {
  it("every API route needs a session: 401 JSON without one", async () => {
    for (const path of ["/users/online", `/rooms/1`, "/room/0/messages", "/users?ids[]=1", "/stream"]) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect(res.body, path).toEqual({ message: expect.any(String) });
    }
  });

  it("unknown routes are 404 JSON", async () => {
    const res = await get("/no/such/route", ann);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: expect.any(String) });
  });

  it("GET /healthz is 200 {status: ok} while Redis answers", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("GET /links is an object and GET /randomname an unused name", async () => {
    expect((await get("/links")).body).toEqual({});
    const name = (await get("/randomname")).body;
    expect(name).toMatch(/^[A-Za-z0-9]+$/);
    expect(await raw.exists(`username:${name}`)).toBe(0);
  });

  it("GET /stream is a text/event-stream the seed's client can hold open", async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/stream`, { headers: { cookie: ann.cookie }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toMatch(/^:/);
    controller.abort();
  });

  it("sends security headers: a same-origin Content-Security-Policy, nosniff, no framing", async () => {
    for (const path of ["/", "/healthz"]) {
      const res = await fetch(`${server.url}${path}`);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain("upgrade-insecure-requests");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("strict-transport-security"), path).toBeNull();
    }
  });

  it("serves a page at /", async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
  });
});
