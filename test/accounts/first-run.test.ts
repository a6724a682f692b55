import { afterEach, describe, expect, it } from "vitest";
import { parsePlaceSettingsAuditDetail } from "../../src/protocol/index.js";
import { ConfigError, loadConfig } from "../../src/server/config.js";
import { api, connect, eventually, login } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";

/**
 * Issue 18, first run and demo data, against a real Redis: a place whose environment does not
 * configure it (`setupByEnvironment: false`) is set up once, by `POST /setup`.
 */
const db = usePrivateRedis();
const servers: RunningChatServer[] = [];
const start = async (options: Partial<Parameters<typeof startChatServer>[0]> = {}) => {
  const server = await startChatServer({ redisUrl: db.redis.url, setupByEnvironment: false, ...options });
  servers.push(server);
  return server;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await db.raw.flushDb();
});

const post = (url: string, path: string, body: unknown, cookie?: string, method = "POST") =>
  api(url, path, cookie, { method, body: JSON.stringify(body) });
const setupBody = { placeName: "Acme", username: "ada", password: "a-long-password", registration: "open" };

describe("first run", () => {
  it("an empty Redis without demo data needs setup: nobody signs in or registers until it is done", async () => {
    const server = await start();
    expect((await api(server.url, "/setup")).body).toEqual({ placeName: "redis-chat", needsSetup: true, locked: true, registration: "open", demo: null });
    const refused = await post(server.url, "/login", { username: "eve", password: "password123" });
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toMatch(/not set up/);
    expect(await db.raw.exists("username:eve")).toBe(0);
  });

  it("POST /setup makes the first administrator, signed in, with the place's name and who may join", async () => {
    const server = await start();
    const res = await fetch(`${server.url}/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...setupBody, registration: "invite" }) });
    expect(res.status).toBe(201);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    const me = (await api(server.url, "/me", cookie)).body as { username: string; role: string };
    expect(me).toMatchObject({ username: "ada", role: "admin" });
    expect((await api(server.url, "/setup")).body).toMatchObject({ placeName: "Acme", needsSetup: false, locked: false, registration: "invite" });
    // Registration now follows the chosen mode: an invitation is needed.
    expect((await post(server.url, "/login", { username: "bob", password: "password123" })).status).toBe(403);
    expect((await api(server.url, "/registration")).body).toEqual({ mode: "invite" });
  });

  it("setup happens once: a second POST /setup answers 409, and racing set-ups make exactly one administrator", async () => {
    const server = await start();
    const other = await start();
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => post(i % 2 ? other.url : server.url, "/setup", { ...setupBody, username: `admin${i}` })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const admins = [];
    for (let i = 0; i < 6; i++) {
      const id = await db.raw.get(`username:admin${i}`);
      if (id) admins.push(await db.raw.hGet(id, "role"));
    }
    expect(admins).toEqual(["admin"]);
    expect((await post(server.url, "/setup", setupBody)).status).toBe(409);
  });

  it("a setup password follows the password rules", async () => {
    const server = await start();
    const res = await post(server.url, "/setup", { ...setupBody, password: "short" });
    expect(res.status).toBe(400);
    expect((res.body as { message: string }).message).toMatch(/at least 8 characters/);
  });

  it("a place configured by its environment (REGISTRATION or ADMIN_USERNAMES set) counts as set up", async () => {
    expect(loadConfig({ REGISTRATION: "open" }).setupByEnvironment).toBe(true);
    expect(loadConfig({ ADMIN_USERNAMES: "ada" }).setupByEnvironment).toBe(true);
    expect(loadConfig({}).setupByEnvironment).toBe(false);
    const server = await start({ setupByEnvironment: true });
    expect((await api(server.url, "/setup")).body).toMatchObject({ needsSetup: false, locked: false });
    expect((await post(server.url, "/setup", setupBody)).status).toBe(409);
    expect((await login(server.url, "first")).status).toBe(201);
  });

  it("a database from before the first run that holds people's accounts counts as set up at start", async () => {
    const configured = await start({ setupByEnvironment: true });
    await login(configured.url, "old_timer");
    await configured.close();
    await db.raw.del("place:setup");
    const upgraded = await start();
    expect((await api(upgraded.url, "/setup")).body).toMatchObject({ needsSetup: false, locked: false });
    expect((await login(upgraded.url, "old_timer")).status).toBe(200);
  });
});

describe("demo data", () => {
  it("is off unless asked: DEMO_DATA unset writes nothing", async () => {
    expect(loadConfig({}).demoData).toBe(false);
    expect(loadConfig({ DEMO_DATA: "true" }).demoData).toBe(true);
    await start();
    expect(await db.raw.exists("username:Pablo")).toBe(0);
  });

  it("a demo is usable at once and offers its accounts and the setup of a real administrator beside it", async () => {
    const server = await start({ demoData: true });
    expect((await api(server.url, "/setup")).body).toEqual({
      placeName: "redis-chat", needsSetup: true, locked: false, registration: "open",
      demo: { usernames: ["Pablo", "Joe", "Mary", "Alex"], password: "password123" },
    });
    expect((await login(server.url, "Mary")).status).toBe(200);
    // Strangers register only once the place is set up.
    expect((await post(server.url, "/login", { username: "stranger", password: "password123" })).status).toBe(403);
    expect((await post(server.url, "/setup", setupBody)).status).toBe(201);
    expect((await login(server.url, "stranger")).status).toBe(201);
  });

  it("the sign-in page stops offering a demo account once its password is changed", async () => {
    const server = await start({ demoData: true });
    const joe = await login(server.url, "Joe");
    expect((await post(server.url, "/me/password", { currentPassword: "password123", newPassword: "joe-secret-1" }, joe.cookie, "PUT")).status).toBe(200);
    expect(((await api(server.url, "/setup")).body as { demo: { usernames: string[] } }).demo.usernames).toEqual(["Pablo", "Mary", "Alex"]);
  });

  it("after setup, one action of the real administrator deactivates every demo account: they no longer sign in, GET /setup stops offering them, and the seed's keys stay", async () => {
    const server = await start({ demoData: true });
    const ada = await post(server.url, "/setup", setupBody);
    const cookie = ada.headers.get("set-cookie")!.split(";")[0]!;
    const mary = await login(server.url, "Mary");
    expect((await post(server.url, "/admin/demo-accounts/deactivate", {}, mary.cookie)).status).toBe(403);
    const done = await post(server.url, "/admin/demo-accounts/deactivate", {}, cookie);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ usernames: ["Pablo", "Joe", "Mary", "Alex"] });
    expect((await api(server.url, "/setup")).body).toMatchObject({ needsSetup: false, demo: null });
    for (const name of ["Pablo", "Joe", "Mary", "Alex"]) {
      expect((await post(server.url, "/login", { username: name, password: "password123" })).status).toBe(403);
      expect(await db.raw.exists(`username:${name}`)).toBe(1);
    }
    // Mary's session ended with it; asked again, there is nothing left to deactivate.
    expect((await api(server.url, "/me", mary.cookie)).body).toBeNull();
    expect((await post(server.url, "/admin/demo-accounts/deactivate", {}, cookie)).body).toEqual({ usernames: [] });
  });

  it("in production, the server refuses to start with usable demo passwords unless DEMO_DATA=true is set explicitly", async () => {
    await start({ demoData: true });
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await expect(start({ production: true })).rejects.toBeInstanceOf(ConfigError);
    const explicit = await start({ production: true, demoData: true, demoDataExplicit: true });
    expect((await login(explicit.url, "Alex")).status).toBe(200);
  });
});

describe("settings at run time", () => {
  it("an administrator changes registration, the place's name and the default level; every instance follows at once", async () => {
    const a = await start();
    const b = await start();
    const setup = await fetch(`${a.url}/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(setupBody) });
    const cookie = setup.headers.get("set-cookie")!.split(";")[0]!;
    const member = await login(b.url, "member1");
    const socket = await connect(b.url, member.cookie, { batch: true });
    const seen: unknown[] = [];
    socket.on("place.settings", (s) => seen.push(s));
    try {
      expect((await post(a.url, "/place/settings", { registration: "closed" }, member.cookie, "PATCH")).status).toBe(403);
      const changed = await post(a.url, "/place/settings", { placeName: "Acme Corp", registration: "closed", defaultNotificationLevel: "all" }, cookie, "PATCH");
      expect(changed.body).toEqual({ placeName: "Acme Corp", registration: "closed", defaultNotificationLevel: "all" });
      expect((await api(b.url, "/registration")).body).toEqual({ mode: "closed" });
      expect((await post(b.url, "/login", { username: "late", password: "password123" })).status).toBe(403);
      await eventually(() => seen.length === 1, 5000, "place.settings reaches the other instance's socket");
      expect(seen[0]).toMatchObject({ placeName: "Acme Corp" });
      await eventually(() => b.instance.ctx.placeSettings.cached.defaultNotificationLevel === "all", 5000, "the other instance's cache follows");
      expect((await api(b.url, "/room/0/notifications", member.cookie)).body).toEqual({ roomId: "0", level: "all", chosen: false });
      const audit = (await api(a.url, "/admin/audit", cookie)).body as { action: string; actorName?: string }[];
      expect(audit[0]).toMatchObject({ action: "place.settings", actorName: "ada" });
    } finally {
      socket.disconnect();
    }
  });

  it("the audit log keeps only the settings a save changed, and nothing for a save that changed none", async () => {
    const server = await start();
    const setup = await fetch(`${server.url}/setup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(setupBody) });
    const cookie = setup.headers.get("set-cookie")!.split(";")[0]!;
    const settingsEntries = async () =>
      ((await api(server.url, "/admin/audit", cookie)).body as { action: string; detail?: string }[]).filter((e) => e.action === "place.settings");
    // The settings form sends every field; only the name is new (registration "open" and level "mentions" are as they were).
    await post(server.url, "/place/settings", { placeName: "Acme Corp", registration: "open", defaultNotificationLevel: "mentions" }, cookie, "PATCH");
    const [renamed] = await settingsEntries();
    expect(parsePlaceSettingsAuditDetail(renamed!.detail!)).toEqual({ placeName: "Acme Corp" });
    await post(server.url, "/place/settings", { placeName: "Acme Corp", registration: "open", defaultNotificationLevel: "mentions" }, cookie, "PATCH");
    expect(await settingsEntries()).toHaveLength(1);
    await post(server.url, "/place/settings", { placeName: "Acme Corp", registration: "invite", defaultNotificationLevel: "all" }, cookie, "PATCH");
    const [latest] = await settingsEntries();
    expect(parsePlaceSettingsAuditDetail(latest!.detail!)).toEqual({ registration: "invite", defaultNotificationLevel: "all" });
  });

  it("entries written before, with every field as key=value, are still read", () => {
    expect(parsePlaceSettingsAuditDetail("placeName=Acme, Inc., registration=open, defaultNotificationLevel=mentions"))
      .toEqual({ placeName: "Acme, Inc.", registration: "open", defaultNotificationLevel: "mentions" });
    expect(parsePlaceSettingsAuditDetail("registration=sometimes")).toBeUndefined();
  });
});
