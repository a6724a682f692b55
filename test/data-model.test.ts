import { describe, expect, it } from "vitest";
import { startChatServer } from "./support/chat-server.js";
import { connect, eventually, login, send } from "./support/chat-client.js";
import { usePrivateRedis } from "./support/redis-server.js";

const db = usePrivateRedis();


describe("demo data", () => {
  it("is written when total_users does not exist: four users, General, and a greeting between every pair", async () => {
    await db.raw.flushDb();
    const server = await startChatServer({ redisUrl: db.redis.url, demoData: true });
    try {
      expect(await db.raw.get("total_users")).toBe("4");
      const names = ["Pablo", "Joe", "Mary", "Alex"];
      for (const [i, name] of names.entries()) {
        expect(await db.raw.get(`username:${name}`)).toBe(`user:${i + 1}`);
        expect(await db.raw.hGet(`user:${i + 1}`, "username")).toBe(name);
      }
      expect(await db.raw.get("room:0:name")).toBe("General");
      const general = await db.raw.zRangeWithScores("room:0", 0, -1);
      expect(general.length).toBeGreaterThanOrEqual(5);
      const now = Date.now() / 1000;
      for (const { score } of general) expect(now - score).toBeLessThanOrEqual(31 * 60);
      expect(new Set(general.map((m) => JSON.parse(m.value).from)).size).toBe(4);
      for (const pair of ["1:2", "1:3", "1:4", "2:3", "2:4", "3:4"]) {
        expect(await db.raw.zCard(`room:${pair}`)).toBeGreaterThan(0);
        const [a, b] = pair.split(":");
        expect(await db.raw.sIsMember(`user:${a}:rooms`, pair)).toBe(1);
        expect(await db.raw.sIsMember(`user:${b}:rooms`, pair)).toBe(1);
      }
      // Each demo user signs in with password123, as the seed's client offers.
      expect((await login(server.url, "Mary", "password123")).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("is written once when two instances start together on an empty Redis", async () => {
    await db.raw.flushDb();
    const servers = await Promise.all([1, 2].map(() => startChatServer({ redisUrl: db.redis.url, demoData: true })));
    try {
      expect(await db.raw.get("total_users")).toBe("4");
      expect(await db.raw.keys("username:*")).toHaveLength(4);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  it("is not written when turned off, nor over existing data", async () => {
    await db.raw.flushDb();
    const off = await startChatServer({ redisUrl: db.redis.url, demoData: false });
    await off.close();
    expect(await db.raw.exists("total_users")).toBe(0);
    await db.raw.set("total_users", "7");
    const on = await startChatServer({ redisUrl: db.redis.url, demoData: true });
    await on.close();
    expect(await db.raw.get("total_users")).toBe("7");
    expect(await db.raw.keys("username:*")).toEqual([]);
  });
});

describe("the keys written", () => {
  it("are exactly the seed's keys with the seed's types, plus documented extras", async () => {
    await db.raw.flushDb();
    const server = await startChatServer({ redisUrl: db.redis.url });
    try {
      const ann = await login(server.url, "ann");
      const bob = await login(server.url, "bob");
      const socket = await connect(server.url, ann.cookie);
      await send(socket, { roomId: "0", message: "hi all", clientId: "k1" });
      await send(socket, { roomId: "1:2", message: "hi bob" });
      await eventually(async () => (await db.raw.sIsMember("online_users", "1")) === 1);
      const types: Record<string, string> = {};
      for (const key of await db.raw.keys("*")) types[key] = await db.raw.type(key);
      expect(types).toMatchObject({
        total_users: "string",
        "username:ann": "string",
        "username:bob": "string",
        "user:1": "hash",
        "user:2": "hash",
        "user:1:rooms": "set",
        "user:2:rooms": "set",
        "room:0": "zset",
        "room:0:name": "string",
        "room:1:2": "zset",
        online_users: "set",
      });
      const extras = Object.keys(types).filter((k) => !/^(total_users|username:\w+|user:\d+(:rooms)?|room:[\d:]+(:name)?|online_users)$/.test(k));
      for (const key of extras) {
        expect(key).toMatch(
          /^(usernames:index$|usernames:claim:|session:|sessions:indexed$|secrets:session$|ratelimit:|\{room:[\d:]+\}:(client:|rate:|read$|s:)|search:|\{user:\d+\}:sessions$|admins:first$|push:vapid$|\{online_users\}:|\{webhooks\}:queue$)/,
        );
      }
      // The seed's fields; the first account a person creates also carries `role: admin` (issue 9), which the seed ignores.
      expect(await db.raw.hGetAll("user:1")).toEqual({ username: "ann", password: expect.stringMatching(/^\$2b\$10\$/), role: "admin" });
      expect(await db.raw.hGetAll("user:2")).toEqual({ username: "bob", password: expect.stringMatching(/^\$2b\$10\$/) });
      const [member] = await db.raw.zRange("room:1:2", 0, -1);
      expect(Object.keys(JSON.parse(member!)).sort()).toEqual(["date", "from", "id", "message", "roomId"]);
      expect(JSON.parse(member!)).toMatchObject({ from: 1, message: "hi bob", roomId: "1:2" });
      socket.disconnect();
      expect(bob.user.id).toBe(2);
    } finally {
      await server.close();
    }
  });

  it("publishes each message on MESSAGES as the seed's {serverId, type, data} envelope", async () => {
    const server = await startChatServer({ redisUrl: db.redis.url, serverId: "ours-1" });
    const subscriber = db.raw.duplicate();
    await subscriber.connect();
    const envelopes: unknown[] = [];
    await subscriber.subscribe("MESSAGES", (m) => envelopes.push(JSON.parse(m)));
    try {
      const ann = await login(server.url, "ann2");
      const socket = await connect(server.url, ann.cookie);
      const ack = await send(socket, { roomId: "0", message: "enveloped" });
      // The presence envelope may travel after the message's: wait for both.
      await eventually(() => envelopes.some((e: any) => e.type === "message") && envelopes.some((e: any) => e.type === "user.connected"));
      const envelope = envelopes.find((e: any) => e.type === "message");
      expect(envelope).toEqual({ serverId: "ours-1", type: "message", data: ack.ok && ack.message });
      expect(envelopes).toContainEqual({ serverId: "ours-1", type: "user.connected", data: { id: ann.user.id, username: "ann2", online: true } });
      socket.disconnect();
    } finally {
      await subscriber.close();
      await server.close();
    }
  });
});

describe("the name index", () => {
  it("holds every user, including users a seed server wrote, after a start", async () => {
    await db.raw.flushDb();
    const first = await startChatServer({ redisUrl: db.redis.url });
    const ann = await login(first.url, "Annabel");
    await first.close();
    expect(await db.raw.zRange("usernames:index", 0, -1)).toEqual([`annabel:${ann.user.id}`]);
    // A server written to the seed registers someone: it knows nothing of the index.
    const id = await db.raw.incr("total_users");
    await db.raw.hSet(`user:${id}`, { username: "Anton", password: "x" });
    await db.raw.set("username:Anton", `user:${id}`);
    const second = await startChatServer({ redisUrl: db.redis.url });
    try {
      const res = await fetch(`${second.url}/users/search?q=an`, { headers: { cookie: ann.cookie } });
      const found = (await res.json()) as { username: string }[];
      expect(found.map((u) => u.username).sort()).toEqual(["Annabel", "Anton"]);
    } finally {
      await second.close();
    }
  });
});

describe("reading history written by a seed server", () => {
  it("reads messages without an id and with a string `from`, in order", async () => {
    const server = await startChatServer({ redisUrl: db.redis.url });
    try {
      const ann = await login(server.url, "seedreader");
      await db.raw.zAdd("room:0", [
        { score: 1615480369, value: JSON.stringify({ from: "1", date: 1615480369, message: "Hello", roomId: "0" }) },
        { score: 1615480370, value: "{not json" },
      ]);
      const res = await fetch(`${server.url}/room/0/messages?offset=0&size=100`, { headers: { cookie: ann.cookie } });
      const page = (await res.json()) as { id: string; from: number; message: string }[];
      // No id of its own: its score in microseconds plus a disambiguator from the member's text.
      expect(page.at(-1)).toEqual({ id: expect.stringMatching(/^1615480369000000-[0-9a-f]{12}$/), from: 1, date: 1615480369, message: "Hello", roomId: "0" });
    } finally {
      await server.close();
    }
  });
});
