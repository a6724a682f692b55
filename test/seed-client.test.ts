import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as seedIo, type Socket as SeedSocket } from "socket.io-client-v3";
import { startChatServer, type RunningChatServer } from "./support/chat-server.js";
import { api, eventually, login, sleep } from "./support/chat-client.js";
import { startRedis, type RedisServerHandle } from "./support/redis-server.js";

/**
 * The seed's own web client, step by step as its source does it (socket.io-client 3 with default
 * transports: long-polling first, then the upgrade; string ids; `from` and `date` in the payload;
 * no acknowledgements; an EventSource on /stream): our server must serve it unchanged.
 */
let redis: RedisServerHandle;
let server: RunningChatServer;
const sockets: SeedSocket[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = await startChatServer({ redisUrl: redis.url, demoData: true });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.close();
  await redis?.kill();
});

function seedSocket(cookie: string): Promise<SeedSocket> {
  const socket = seedIo(server.url, { extraHeaders: { cookie }, reconnection: false, forceNew: true });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

describe("the seed's web client", () => {
  it("signs in, lists rooms and people, chats over polling-then-WebSocket, and loads history", async () => {
    expect((await api(server.url, "/me")).body).toBeNull();
    const pablo = await login(server.url, "Pablo", "password123");
    const joe = await login(server.url, "Joe", "password123");
    expect(pablo.user).toEqual({ id: 1, username: "Pablo" });

    const rooms = (await api(server.url, `/rooms/${pablo.user.id}`, pablo.cookie)).body as { id: string; names: string[] }[];
    expect(rooms.map((r) => r.id)).toEqual(["0", "1:2", "1:3", "1:4"]);
    expect(rooms.find((r) => r.id === "1:2")?.names).toEqual(["Pablo", "Joe"]);

    const pabloSocket = await seedSocket(pablo.cookie);
    const joeSocket = await seedSocket(joe.cookie);
    // The seed's client joins every room it knows, without an acknowledgement.
    for (const room of rooms) pabloSocket.emit("room.join", room.id);
    await eventually(() => (pabloSocket.io.engine.transport.name as string) === "websocket", 5000, "the upgrade to WebSocket");

    const online = (await api(server.url, "/users/online", pablo.cookie)).body;
    expect(Object.keys(online).sort()).toEqual(["1", "2"]);

    const joeGot: { from: unknown; message: string; roomId: string }[] = [];
    joeSocket.on("message", (m: { from: unknown; message: string; roomId: string }) => joeGot.push(m));
    pabloSocket.emit("message", { roomId: "0", message: "Hello from the seed client", from: "1", date: 1615480369 });
    pabloSocket.emit("message", { roomId: "1:2", message: "Hi Joe", from: "1", date: 1615480369 });
    await eventually(() => joeGot.length === 2, 5000, "both messages");
    expect(joeGot[0]).toMatchObject({ from: 1, message: "Hello from the seed client", roomId: "0" });
    expect(joeGot[1]).toMatchObject({ from: 1, message: "Hi Joe", roomId: "1:2" });

    // axios sends params as ?offset=0&size=15; the client reverses the newest-first page.
    const page = (await api(server.url, "/room/0/messages?offset=0&size=15", joe.cookie)).body as { message: string }[];
    expect(page).toHaveLength(Math.min(15, page.length));
    expect(page[0]!.message).toBe("Hello from the seed client");

    // Clicking a person: addRoom(userId, user.id), the first id a string from state keys.
    const created = await api(server.url, "/room", pablo.cookie, { method: "POST", body: JSON.stringify({ user1: "3", user2: 1 }) });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: "1:3", names: ["Pablo", "Mary"] });
    expect((await api(server.url, "/users?ids[]=1&ids[]=3", pablo.cookie)).body).toEqual({
      1: { id: 1, username: "Pablo", online: true },
      3: { id: 3, username: "Mary", online: false },
    });
  });

  it("sees people come and go through user.connected and user.disconnected", async () => {
    const joe = await login(server.url, "Joe", "password123");
    const joeSocket = await seedSocket(joe.cookie);
    const events: [string, { id: number; username: string; online: boolean }][] = [];
    joeSocket.on("user.connected", (u: { id: number; username: string; online: boolean }) => events.push(["connected", u]));
    joeSocket.on("user.disconnected", (u: { id: number; username: string; online: boolean }) => events.push(["disconnected", u]));
    const mary = await login(server.url, "Mary", "password123");
    const marySocket = await seedSocket(mary.cookie);
    await eventually(() => events.some(([, u]) => u.username === "Mary"), 5000, "Mary connected");
    await sleep(300);
    marySocket.close();
    await eventually(() => events.some(([kind, u]) => kind === "disconnected" && u.username === "Mary"), 5000, "Mary left");
    expect(events.filter(([, u]) => u.username === "Mary")).toEqual([
      ["connected", { id: 3, username: "Mary", online: true }],
      ["disconnected", { id: 3, username: "Mary", online: false }],
    ]);
  });

  it("holds /stream open without repeating socket events on it (the client handles both)", async () => {
    const alex = await login(server.url, "Alex", "password123");
    const controller = new AbortController();
    const res = await fetch(`${server.url}/stream`, { headers: { cookie: alex.cookie }, signal: controller.signal });
    const reader = res.body!.getReader();
    let text = "";
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    const alexSocket = await seedSocket(alex.cookie);
    alexSocket.emit("message", { roomId: "0", message: "over the socket only" });
    await sleep(300);
    controller.abort();
    await reading;
    expect(text).not.toMatch(/^data:/m);
  });
});
