import type { RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEntry, Invite, RoomDetails } from "../../src/protocol/index.js";
import { api, connect, eventually, login, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis, signUp } from "../resilience/helpers.js";

/**
 * Issue 9's administrators, bans, audit log and registration modes, against a real Redis. Several
 * instances share one Redis, each with its own REGISTRATION (a per-instance setting).
 */
let redis: RedisServerHandle;
let open: RunningChatServer, invite: RunningChatServer, closed: RunningChatServer;
let raw: RedisClientType;
let admin: SignedIn, alice: SignedIn, bob: SignedIn;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  redis = await startRedis();
  open = await startChatServer({ redisUrl: redis.url, adminUsernames: ["Bob"] });
  invite = await startChatServer({ redisUrl: redis.url, registration: "invite" });
  closed = await startChatServer({ redisUrl: redis.url, registration: "closed" });
  [admin, alice, bob] = await signUp(open.url, "first", "alice", "bob");
  raw = await rawRedis(redis.url);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await raw?.close();
  await Promise.all([open, invite, closed].map((s) => s?.close()));
  await redis?.stop();
});

const call = (url: string, who: SignedIn | undefined, method: string, path: string, body?: unknown) =>
  api(url, path, who?.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
const loginRaw = (url: string, body: Record<string, unknown>) =>
  fetch(`${url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ password: "password123", ...body }) }).then(
    async (res) => ({ status: res.status, body: await res.json() }),
  );

describe("roles", () => {
  it("the first account a person creates is an administrator; later ones are members; GET /me says which", async () => {
    expect((await call(open.url, admin, "GET", "/me")).body).toEqual({ id: admin.user.id, username: "first", role: "admin" });
    expect((await call(open.url, alice, "GET", "/me")).body).toEqual({ id: alice.user.id, username: "alice", role: "member" });
    expect(await raw.hGet(`user:${admin.user.id}`, "role")).toBe("admin");
  });

  it("ADMIN_USERNAMES names more administrators, whatever the case", async () => {
    expect((await call(open.url, bob, "GET", "/me")).body.role).toBe("admin");
  });

  it("demo accounts are never administrators by themselves, and a database with people in it gets no automatic first admin", async () => {
    const demoRedis = await startRedis();
    const demo = await startChatServer({ redisUrl: demoRedis.url, demoData: true });
    try {
      const pablo = await login(demo.url, "Pablo");
      expect((await api(demo.url, "/me", pablo.cookie)).body.role).toBe("member");
      // The first person to register on a demo server is its administrator...
      const person = await login(demo.url, "someone_real");
      expect((await api(demo.url, "/me", person.cookie)).body.role).toBe("admin");
    } finally {
      await demo.close();
    }
    // ...but a restart over a database that already has people names no one automatically.
    const again = await startChatServer({ redisUrl: demoRedis.url, demoData: true, adminUsernames: ["Joe"] });
    try {
      const later = await login(again.url, "later_person");
      expect((await api(again.url, "/me", later.cookie)).body.role).toBe("member");
      // ADMIN_USERNAMES is how a demo user becomes one.
      const joe = await login(again.url, "Joe");
      expect((await api(again.url, "/me", joe.cookie)).body.role).toBe("admin");
    } finally {
      await again.close();
      await demoRedis.stop();
    }
  });

  it("a server in production with demo data meant (DEMO_DATA=true explicitly) says so in its log at start", async () => {
    const lines: string[] = [];
    const prodRedis = await startRedis();
    const { createChatServer } = await import("../../src/server/app.js");
    const { loadConfig } = await import("../../src/server/config.js");
    const pino = (await import("pino")).default;
    const log = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
    const config = loadConfig({}, {
      port: 0, host: "127.0.0.1", redisUrl: prodRedis.url, production: true, demoData: true, demoDataExplicit: true,
      sessionSecret: "test-session-secret-0123456789abcdef", sessionSecretGenerated: false,
    });
    const instance = await createChatServer(config, log);
    try {
      expect(lines.some((l) => l.includes("production with demo data"))).toBe(true);
    } finally {
      await instance.close();
      await prodRedis.stop();
    }
  });
});

describe("bans", () => {
  it("only administrators ban: members get 403; an administrator cannot ban themselves or another administrator", async () => {
    expect((await call(open.url, alice, "POST", `/users/${bob.user.id}/ban`, {})).status).toBe(403);
    expect((await call(open.url, admin, "POST", `/users/${admin.user.id}/ban`, {})).status).toBe(400);
    expect((await call(open.url, admin, "POST", `/users/${bob.user.id}/ban`, {})).status).toBe(403);
    expect((await call(open.url, admin, "POST", "/users/9999/ban", {})).status).toBe(404);
  });

  it("a ban ends the user's sessions and sockets, refuses their sign-in with 403 and hides them from search; lifting it restores sign-in", async () => {
    const carol = await login(open.url, "carol");
    const socket = await connect(open.url, carol.cookie, { batch: true });
    sockets.push(socket);
    const watcher = await connect(open.url, alice.cookie, { batch: true });
    sockets.push(watcher);
    const bannedEvents: unknown[] = [];
    watcher.on("user.banned", (e) => bannedEvents.push(e));
    let disconnected = false;
    socket.on("disconnect", () => (disconnected = true));

    const res = await call(open.url, admin, "POST", `/users/${carol.user.id}/ban`, { reason: "spam" });
    expect(res.body).toEqual({ id: carol.user.id, username: "carol", banned: true });
    await eventually(() => disconnected, 5000, "the banned user's socket to be disconnected");
    await eventually(() => bannedEvents.length === 1, 5000, "user.banned to others");
    expect(bannedEvents[0]).toEqual({ id: carol.user.id, username: "carol" });
    expect((await api(open.url, "/me", carol.cookie)).body).toBeNull();
    expect((await api(open.url, "/rooms/" + carol.user.id, carol.cookie)).status).toBe(401);

    const refused = await loginRaw(open.url, { username: "carol" });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/banned/);
    expect((await call(open.url, alice, "GET", "/users/search?q=car")).body).toEqual([]);

    expect((await call(open.url, alice, "DELETE", `/users/${carol.user.id}/ban`)).status).toBe(403);
    expect((await call(open.url, admin, "DELETE", `/users/${carol.user.id}/ban`)).body).toEqual({ id: carol.user.id, username: "carol", banned: false });
    expect((await loginRaw(open.url, { username: "carol" })).status).toBe(200);
    expect(((await call(open.url, alice, "GET", "/users/search?q=car")).body as { username: string }[]).map((u) => u.username)).toEqual(["carol"]);
  });

  it("a banned member stays in their rooms, listed as banned in GET /room/:id, and unmarked once the ban is lifted", async () => {
    const erin = await login(open.url, "erin");
    const room = (await call(open.url, alice, "POST", "/rooms", { name: "Banned stays", members: [erin.user.id] })).body as RoomDetails;
    const erinListed = async () => ((await call(open.url, alice, "GET", `/room/${room.id}`)).body as RoomDetails).members.find((m) => m.id === erin.user.id);
    expect(await erinListed()).not.toHaveProperty("banned");
    await call(open.url, admin, "POST", `/users/${erin.user.id}/ban`, {});
    expect(await erinListed()).toMatchObject({ username: "erin", banned: true });
    await call(open.url, admin, "DELETE", `/users/${erin.user.id}/ban`);
    expect(await erinListed()).not.toHaveProperty("banned");
  });

  it("a banned user cannot be added to a room", async () => {
    const dan = await login(open.url, "dan");
    await call(open.url, admin, "POST", `/users/${dan.user.id}/ban`, {});
    const room = (await call(open.url, alice, "POST", "/rooms", { name: "No banned" })).body;
    expect((await call(open.url, alice, "PUT", `/room/${room.id}/members/${dan.user.id}`)).status).toBe(403);
  });
});

describe("the audit log", () => {
  it("GET /admin/audit lists moderation actions newest first, to administrators only, and pages with before", async () => {
    const erin = await login(open.url, "erin");
    await call(open.url, admin, "POST", `/users/${erin.user.id}/ban`, { reason: "testing the log" });
    await call(open.url, admin, "DELETE", `/users/${erin.user.id}/ban`);
    expect((await call(open.url, alice, "GET", "/admin/audit")).status).toBe(403);
    const entries = (await call(open.url, admin, "GET", "/admin/audit?limit=2")).body as AuditEntry[];
    expect(entries.map((e) => e.action)).toEqual(["user.unban", "user.ban"]);
    expect(entries[1]).toMatchObject({ actorId: admin.user.id, userId: erin.user.id, detail: "testing the log" });
    expect(entries[0]!.at).toBeGreaterThan(Date.now() - 60_000);
    const older = (await call(open.url, admin, "GET", `/admin/audit?limit=1&before=${entries[1]!.id}`)).body as AuditEntry[];
    expect(older).toHaveLength(1);
    expect(older[0]!.id < entries[1]!.id || older[0]!.id.length < entries[1]!.id.length).toBe(true);
    expect(await raw.xLen("audit:log")).toBeGreaterThanOrEqual(2);
  });
});

describe("message deletion by an administrator", () => {
  it("is written to the audit log; an author deleting their own message is not", async () => {
    const socket = await connect(open.url, alice.cookie, { batch: true });
    sockets.push(socket);
    const sent = async (text: string) => {
      const ack = await socket.timeout(5000).emitWithAck("message", { roomId: "0", message: text });
      if (!ack.ok) throw new Error(ack.error);
      return ack.message.id;
    };
    const byAdmin = await sent("removed by an administrator");
    const byAuthor = await sent("removed by its author");
    expect((await call(open.url, admin, "DELETE", `/room/0/messages/${byAdmin}`)).status).toBe(200);
    expect((await call(open.url, alice, "DELETE", `/room/0/messages/${byAuthor}`)).status).toBe(200);
    const audit = (await call(open.url, admin, "GET", "/admin/audit")).body as AuditEntry[];
    expect(audit.find((e) => e.action === "message.delete" && e.messageId === byAdmin)).toMatchObject({ actorId: admin.user.id, userId: alice.user.id, roomId: "0" });
    expect(audit.some((e) => e.messageId === byAuthor)).toBe(false);
  });
});

describe("registration", () => {
  it("GET /registration says how accounts are made here", async () => {
    expect((await api(open.url, "/registration")).body).toEqual({ mode: "open" });
    expect((await api(invite.url, "/registration")).body).toEqual({ mode: "invite" });
    expect((await api(closed.url, "/registration")).body).toEqual({ mode: "closed" });
  });

  it("createAccount: false only signs in: an unknown name is 404 and creates nothing", async () => {
    const res = await loginRaw(open.url, { username: "nobody_yet", createAccount: false });
    expect(res.status).toBe(404);
    expect(await raw.exists("username:nobody_yet")).toBe(0);
    expect((await loginRaw(open.url, { username: "alice", createAccount: false })).status).toBe(200);
  });

  it("invite: a new name without an invitation is 403 saying so; with a valid single-use code it registers once", async () => {
    const without = await loginRaw(invite.url, { username: "invitee1" });
    expect(without.status).toBe(403);
    expect(without.body.message).toMatch(/needs an invitation/);
    expect((await loginRaw(invite.url, { username: "invitee1", invite: "not-a-real-code" })).status).toBe(403);
    // Known users still sign in.
    expect((await loginRaw(invite.url, { username: "alice" })).status).toBe(200);

    expect((await call(invite.url, alice, "POST", "/invites", {})).status).toBe(403);
    const created = await call(invite.url, admin, "POST", "/invites", {});
    expect(created.status).toBe(201);
    const code = (created.body as Invite).code;
    expect(created.body).toMatchObject({ maxUses: 1, uses: 0, url: expect.stringContaining(`/?invite=${code}`) });
    expect((created.body as Invite).expiresAt).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    expect((await loginRaw(invite.url, { username: "invitee1", invite: code })).status).toBe(201);
    const reused = await loginRaw(invite.url, { username: "invitee2", invite: code });
    expect(reused.status).toBe(403);
    expect(reused.body.message).toMatch(/not valid/);
  });

  it("invite: a multi-use code serves concurrent sign-ups up to its limit, and a refused registration does not use it up", async () => {
    const code = ((await call(invite.url, admin, "POST", "/invites", { maxUses: 3, expiresInHours: 1 })).body as Invite).code;
    // Too short a password: no account, and the use is given back.
    expect((await loginRaw(invite.url, { username: "shortpw", password: "short", invite: code })).status).toBe(400);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => loginRaw(invite.url, { username: `multi${i}`, invite: code })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 403)).toHaveLength(2);
  });

  it("GET /invites lists usable invitations; DELETE /invites/:code revokes one", async () => {
    const code = ((await call(invite.url, admin, "POST", "/invites", { maxUses: null, expiresInHours: 2 })).body as Invite).code;
    const listed = (await call(invite.url, admin, "GET", "/invites")).body as Invite[];
    expect(listed.find((i) => i.code === code)).toMatchObject({ maxUses: null, uses: 0 });
    expect((await call(invite.url, alice, "GET", "/invites")).status).toBe(403);
    expect((await call(invite.url, alice, "DELETE", `/invites/${code}`)).status).toBe(403);
    expect((await call(invite.url, admin, "DELETE", `/invites/${code}`)).body).toEqual({ ok: true });
    expect((await call(invite.url, admin, "DELETE", `/invites/${code}`)).status).toBe(404);
    expect((await loginRaw(invite.url, { username: "too_late", invite: code })).status).toBe(403);
  });

  it("GET /invites/:code/state says, without signing in, whether an invitation link is valid, used up, expired or unknown", async () => {
    const state = async (code: string) => (await call(invite.url, undefined, "GET", `/invites/${code}/state`)).body;
    const code = ((await call(invite.url, admin, "POST", "/invites", { maxUses: 1, expiresInHours: 1 })).body as Invite).code;
    expect(await state(code)).toEqual({ state: "valid" });
    expect((await loginRaw(invite.url, { username: "state_one", invite: code })).status).toBe(201);
    expect(await state(code)).toEqual({ state: "used" });
    const later = ((await call(invite.url, admin, "POST", "/invites", { maxUses: 5, expiresInHours: 1 })).body as Invite).code;
    await raw.hSet(`invite:${later}`, "expiresAt", String(Date.now() - 1000));
    expect(await state(later)).toEqual({ state: "expired" });
    expect(await state("never-made-this-code")).toEqual({ state: "unknown" });
    expect((await call(invite.url, undefined, "GET", "/invites/x/state")).status).toBe(400);
  });

  it("invite: an expired invitation is refused", async () => {
    const code = ((await call(invite.url, admin, "POST", "/invites", { maxUses: 5, expiresInHours: 1 })).body as Invite).code;
    await raw.hSet(`invite:${code}`, "expiresAt", String(Date.now() - 1000));
    expect((await loginRaw(invite.url, { username: "expired_one", invite: code })).status).toBe(403);
  });

  it("closed: nobody registers by signing in; administrators create accounts with POST /admin/users", async () => {
    const refused = await loginRaw(closed.url, { username: "walkin" });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/closed/);
    expect((await call(closed.url, alice, "POST", "/admin/users", { username: "made", password: "password123" })).status).toBe(403);
    const made = await call(closed.url, admin, "POST", "/admin/users", { username: "made", password: "password123" });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ username: "made", role: "member" });
    expect((await call(closed.url, admin, "POST", "/admin/users", { username: "MADE", password: "password123" })).status).toBe(409);
    expect((await loginRaw(closed.url, { username: "made" })).status).toBe(200);
    const audit = (await call(closed.url, admin, "GET", "/admin/audit")).body as AuditEntry[];
    expect(audit.some((e) => e.action === "user.create" && e.userId === made.body.id)).toBe(true);
  });
});
