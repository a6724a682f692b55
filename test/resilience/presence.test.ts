import { existsSync } from "node:fs";
import type { RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PresenceUser } from "../../src/protocol/index.js";
import { api, connect, eventually, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, startChatServerProcess, type ChatServerProcess, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { collectPresence, rawRedis, settle, signUp } from "./helpers.js";

const isOnline = async (raw: RedisClientType, id: number) => (await raw.sIsMember("online_users", String(id))) === 1;
const onlineIds = async (url: string, cookie: string) =>
  Object.keys((await api(url, "/users/online", cookie)).body as Record<string, unknown>).map(Number);
const eventsFor = (events: PresenceUser[], id: number, online: boolean) => events.filter((e) => e.id === id && e.online === online);

describe("presence counted per connection across instances", () => {
  let redis: RedisServerHandle;
  let raw: RedisClientType;
  let servers: RunningChatServer[];
  let alice: SignedIn, bob: SignedIn, carol: SignedIn;
  const sockets: ClientSocket[] = [];
  let bobSees: PresenceUser[], carolSees: PresenceUser[];

  beforeAll(async () => {
    redis = await startRedis();
    raw = await rawRedis(redis.url);
    servers = await Promise.all([startChatServer({ redisUrl: redis.url }), startChatServer({ redisUrl: redis.url })]);
    [alice, bob, carol] = await signUp(servers[0]!.url, "alice", "bob", "carol");
    const bobSocket = await connect(servers[0]!.url, bob.cookie);
    const carolSocket = await connect(servers[1]!.url, carol.cookie);
    sockets.push(bobSocket, carolSocket);
    bobSees = collectPresence(bobSocket);
    carolSees = collectPresence(carolSocket);
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(servers.map((s) => s.close()));
    await raw?.close();
    await redis?.stop();
  });

  it("a user with two tabs on two instances stays online when one closes and goes offline when the last does; user.disconnected goes out once", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const tab1 = await connect(a, alice.cookie);
    await eventually(() => isOnline(raw, alice.user.id), 5000, "alice online");
    const tab2 = await connect(b, alice.cookie);
    sockets.push(tab1, tab2);
    await eventually(() => eventsFor(carolSees, alice.user.id, true).length > 0, 5000, "user.connected on the other instance");
    await settle(() => bobSees.length + carolSees.length);
    // One user.connected per observer, although two tabs opened.
    expect(eventsFor(bobSees, alice.user.id, true)).toHaveLength(1);
    expect(eventsFor(carolSees, alice.user.id, true)).toHaveLength(1);

    tab1.disconnect();
    await sleep(600);
    expect(await isOnline(raw, alice.user.id)).toBe(true);
    expect(await onlineIds(a, bob.cookie)).toContain(alice.user.id);
    expect(await onlineIds(b, carol.cookie)).toContain(alice.user.id);
    expect(eventsFor(bobSees, alice.user.id, false)).toEqual([]);
    expect(eventsFor(carolSees, alice.user.id, false)).toEqual([]);

    tab2.disconnect();
    await eventually(async () => !(await isOnline(raw, alice.user.id)), 5000, "alice offline");
    expect(await onlineIds(a, bob.cookie)).not.toContain(alice.user.id);
    expect(await onlineIds(b, carol.cookie)).not.toContain(alice.user.id);
    await eventually(() => eventsFor(bobSees, alice.user.id, false).length > 0 && eventsFor(carolSees, alice.user.id, false).length > 0, 5000, "user.disconnected");
    await settle(() => bobSees.length + carolSees.length);
    expect(eventsFor(bobSees, alice.user.id, false)).toEqual([{ id: alice.user.id, username: "alice", online: false }]);
    expect(eventsFor(carolSees, alice.user.id, false)).toEqual([{ id: alice.user.id, username: "alice", online: false }]);
  });

  it("many tabs opening and closing at once on both instances leave the count exact", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const tabs = await Promise.all(Array.from({ length: 10 }, (_, i) => connect(i % 2 ? b : a, alice.cookie)));
    await eventually(() => isOnline(raw, alice.user.id), 5000, "alice online");
    await Promise.all(tabs.slice(1).map(async (t) => t.disconnect()));
    await sleep(600);
    expect(await isOnline(raw, alice.user.id)).toBe(true);
    tabs[0]!.disconnect();
    await eventually(async () => !(await isOnline(raw, alice.user.id)), 5000, "alice offline");
    expect(await raw.hGetAll(`{online_users}:user:${alice.user.id}`)).toEqual({});
  });
});

/**
 * An instance that dies without cleaning up (SIGKILL): its heartbeat stops, and another instance
 * sweeps its connections out of presence. Run with short timings, and with the defaults (the
 * issue's bound: offline within 30 s).
 */
const scenarios = [
  { name: "heartbeat 500 ms, ttl 1500 ms", heartbeatMs: 500, ttlMs: 1500 },
  { name: "the default heartbeat 5 s and ttl 15 s", heartbeatMs: 5000, ttlMs: 15_000 },
];
for (const scenario of scenarios) {
  describe(`an instance killed with SIGKILL (${scenario.name})`, () => {
    let redis: RedisServerHandle;
    let raw: RedisClientType;
    let doomed: ChatServerProcess;
    let survivor: RunningChatServer;
    let dave: SignedIn, erin: SignedIn, frank: SignedIn;
    const sockets: ClientSocket[] = [];
    let frankSees: PresenceUser[];
    let offlineAfterMs = 0;
    let daveLostConnection = false;

    beforeAll(async () => {
      if (!existsSync("dist/server/main.js")) throw new Error("run `npm run build:server` first");
      redis = await startRedis();
      raw = await rawRedis(redis.url);
      [doomed, survivor] = await Promise.all([
        startChatServerProcess({
          REDIS_URL: redis.url,
          PRESENCE_HEARTBEAT_MS: String(scenario.heartbeatMs),
          PRESENCE_TTL_MS: String(scenario.ttlMs),
        }),
        startChatServer({ redisUrl: redis.url, presenceHeartbeatMs: scenario.heartbeatMs, presenceTtlMs: scenario.ttlMs }),
      ]);
      [dave, erin, frank] = await signUp(survivor.url, "dave", "erin", "frank");
      const frankSocket = await connect(survivor.url, frank.cookie);
      frankSees = collectPresence(frankSocket);
      const daveSocket = await connect(doomed.url, dave.cookie);
      daveSocket.on("disconnect", () => (daveLostConnection = true));
      const erinOnDoomed = await connect(doomed.url, erin.cookie);
      const erinOnSurvivor = await connect(survivor.url, erin.cookie);
      sockets.push(frankSocket, daveSocket, erinOnDoomed, erinOnSurvivor);
      await eventually(async () => (await isOnline(raw, dave.user.id)) && (await isOnline(raw, erin.user.id)), 5000, "online");

      const killedAt = Date.now();
      await doomed.kill();
      await eventually(async () => !(await isOnline(raw, dave.user.id)), 35_000, "dave offline after the kill");
      offlineAfterMs = Date.now() - killedAt;
      await settle(() => frankSees.length, 500);
    }, 60_000);

    afterAll(async () => {
      for (const s of sockets) s.disconnect();
      await survivor?.close();
      await raw?.close();
      await redis?.stop();
    });

    it("its users are shown offline within 30 seconds", async () => {
      expect(daveLostConnection).toBe(true);
      expect(offlineAfterMs).toBeLessThan(30_000);
      expect(offlineAfterMs).toBeLessThanOrEqual(scenario.ttlMs + scenario.heartbeatMs + 3000);
      expect(await onlineIds(survivor.url, frank.cookie)).not.toContain(dave.user.id);
      const users = await api(survivor.url, `/users?ids[]=${dave.user.id}`, frank.cookie);
      expect(users.body[String(dave.user.id)].online).toBe(false);
      console.info(`[presence] ${scenario.name}: users of the killed instance offline ${offlineAfterMs} ms after SIGKILL`);
    });

    it("the other users get user.disconnected for them, once", () => {
      expect(eventsFor(frankSees, dave.user.id, false)).toEqual([{ id: dave.user.id, username: "dave", online: false }]);
    });

    it("a user who still has a tab on a live instance stays online", async () => {
      expect(await isOnline(raw, erin.user.id)).toBe(true);
      expect(await onlineIds(survivor.url, frank.cookie)).toContain(erin.user.id);
      expect(eventsFor(frankSees, erin.user.id, false)).toEqual([]);
      // ... and goes offline when that last tab closes.
      sockets[3]!.disconnect();
      await eventually(async () => !(await isOnline(raw, erin.user.id)), 5000, "erin offline");
      await eventually(() => eventsFor(frankSees, erin.user.id, false).length === 1, 5000, "user.disconnected for erin");
    });

    it("online_users keeps the seed's meaning: a set of the ids of online users, nothing else", async () => {
      expect(await raw.type("online_users")).toBe("set");
      expect((await raw.sMembers("online_users")).sort()).toEqual([String(frank.user.id)]);
    });
  });
}
