import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEACTIVATED_NOTICE, type Profile } from "../../src/protocol/index.js";
import { api, connect, eventually, login, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/**
 * Issue 18, on two instances of one Redis in the sharded bus mode: the People list hears of new,
 * deactivated and reactivated accounts live on every instance; "tell me when X comes online" and a
 * person's own default notification level are kept per person.
 */
const db = usePrivateRedis();
let a: RunningChatServer, b: RunningChatServer;
let boss: SignedIn, ann: SignedIn, bob: SignedIn;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  a = await startChatServer({ redisUrl: db.redis.url, pubsubMode: "sharded" });
  b = await startChatServer({ redisUrl: db.redis.url, pubsubMode: "sharded" });
  [boss, ann, bob] = await signUp(a.url, "boss", "ann", "bob");
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all([a, b].map((s) => s?.close()));
});

const call = (url: string, who: SignedIn | undefined, method: string, path: string, body?: unknown) =>
  api(url, path, who?.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

async function watchProfiles(url: string, who: SignedIn): Promise<Profile[]> {
  const socket = await connect(url, who.cookie, { batch: true });
  sockets.push(socket);
  const seen: Profile[] = [];
  socket.on("user.profile", (p) => seen.push(p));
  return seen;
}

describe("the People list, live on every instance", () => {
  it("a registration, an account an administrator creates, a deactivation and a reactivation reach sockets on the other instance", async () => {
    const seen = await watchProfiles(b.url, ann);
    const newcomer = await login(a.url, "newcomer");
    await eventually(() => seen.some((p) => p.id === newcomer.user.id && p.username === "newcomer" && !p.deactivated), 5000, "the newcomer's profile on b");

    const created = await call(a.url, boss, "POST", "/admin/users", { username: "made", password: "a-long-password", role: "member" });
    expect(created.status).toBe(201);
    const madeId = (created.body as { id: number }).id;
    await eventually(() => seen.some((p) => p.id === madeId && p.username === "made"), 5000, "the created account's profile on b");

    await call(a.url, boss, "PATCH", `/users/${newcomer.user.id}`, { deactivated: true });
    await eventually(() => seen.some((p) => p.id === newcomer.user.id && p.deactivated), 5000, "the deactivation on b");
    await call(a.url, boss, "PATCH", `/users/${newcomer.user.id}`, { deactivated: false });
    await eventually(() => seen.filter((p) => p.id === newcomer.user.id).at(-1)?.deactivated === false && seen.filter((p) => p.id === newcomer.user.id).length >= 3, 5000, "the reactivation on b");
  });

  it("a person deactivated while signed in is told why on every instance, not just signed out", async () => {
    const victim = await login(a.url, "victim");
    const socket = await connect(b.url, victim.cookie, { batch: true });
    sockets.push(socket);
    const notices: { reason: string; code?: string }[] = [];
    socket.on("session.ended", (n) => notices.push(n));
    await call(a.url, boss, "PATCH", `/users/${victim.user.id}`, { deactivated: true });
    await eventually(() => notices.length > 0, 5000, "session.ended on b");
    expect(notices[0]).toEqual({ reason: DEACTIVATED_NOTICE, code: "deactivated" });
  });

  it("a promotion and a demotion reach every socket of the person at once, on both instances, and their admin access follows", async () => {
    const carol = await login(a.url, "carol_roles");
    const onA = await watchProfiles(a.url, carol);
    const onB = await watchProfiles(b.url, carol);
    const mine = (seen: Profile[]) => seen.filter((p) => p.id === carol.user.id).at(-1)?.role;

    expect((await call(a.url, boss, "PATCH", `/users/${carol.user.id}`, { role: "admin" })).status).toBe(200);
    await eventually(() => mine(onA) === "admin" && mine(onB) === "admin", 5000, "the promotion on both of carol's sockets");
    expect((await call(b.url, carol, "GET", "/admin/users")).status).toBe(200);

    expect((await call(b.url, boss, "PATCH", `/users/${carol.user.id}`, { role: "member" })).status).toBe(200);
    await eventually(() => mine(onA) === "member" && mine(onB) === "member", 5000, "the demotion on both of carol's sockets");
    expect((await call(a.url, carol, "GET", "/admin/users")).status).toBe(403);
  });

  it("signing in again to an existing account announces nothing", async () => {
    const seen = await watchProfiles(b.url, ann);
    await login(a.url, "bob");
    await login(a.url, "late");
    await eventually(() => seen.some((p) => p.username === "late"), 5000, "late's profile");
    expect(seen.some((p) => p.id === bob.user.id)).toBe(false);
  });
});

describe("tell me when someone comes online", () => {
  it("is kept per person, read from any instance, and turned off again", async () => {
    expect((await call(a.url, ann, "GET", "/me/presence-alerts")).body).toEqual({ userIds: [] });
    expect((await call(a.url, ann, "PUT", `/users/${bob.user.id}/presence-alert`, { on: true })).body).toEqual({ userId: bob.user.id, on: true });
    expect((await call(a.url, ann, "PUT", `/users/${boss.user.id}/presence-alert`, { on: true })).status).toBe(200);
    expect((await call(b.url, ann, "GET", "/me/presence-alerts")).body).toEqual({ userIds: [boss.user.id, bob.user.id].sort((x, y) => x - y) });
    // Someone else's list is their own.
    expect((await call(b.url, bob, "GET", "/me/presence-alerts")).body).toEqual({ userIds: [] });
    expect((await call(b.url, ann, "PUT", `/users/${boss.user.id}/presence-alert`, { on: false })).body).toEqual({ userId: boss.user.id, on: false });
    expect((await call(a.url, ann, "GET", "/me/presence-alerts")).body).toEqual({ userIds: [bob.user.id] });
    expect(await db.raw.sMembers(`{user:${ann.user.id}}:presence:alerts`)).toEqual([String(bob.user.id)]);
  });

  it("a change reaches the person's own sockets on every instance as the whole list, and nobody else's", async () => {
    const lists = async (url: string, who: SignedIn) => {
      const socket = await connect(url, who.cookie, { batch: true });
      sockets.push(socket);
      const seen: number[][] = [];
      socket.on("presence.alerts", (alerts) => seen.push(alerts.userIds));
      return seen;
    };
    const [annOnA, annOnB, bobOnB] = await Promise.all([lists(a.url, ann), lists(b.url, ann), lists(b.url, bob)]);
    await call(a.url, ann, "PUT", `/users/${boss.user.id}/presence-alert`, { on: true });
    const both = [boss.user.id, bob.user.id].sort((x, y) => x - y);
    await eventually(() => annOnA.at(-1)?.join() === both.join() && annOnB.at(-1)?.join() === both.join(), 5000, "ann's list on both instances");
    await call(b.url, ann, "PUT", `/users/${boss.user.id}/presence-alert`, { on: false });
    await eventually(() => annOnA.at(-1)?.join() === String(bob.user.id) && annOnB.at(-1)?.join() === String(bob.user.id), 5000, "the change back on both");
    expect(bobOnB).toEqual([]);
  });

  it("refuses oneself, an unknown person, a malformed body and anyone signed out", async () => {
    expect((await call(a.url, ann, "PUT", `/users/${ann.user.id}/presence-alert`, { on: true })).status).toBe(400);
    expect((await call(a.url, ann, "PUT", "/users/99999/presence-alert", { on: true })).status).toBe(404);
    expect((await call(a.url, ann, "PUT", `/users/${bob.user.id}/presence-alert`, { on: "yes" })).status).toBe(400);
    expect((await call(a.url, undefined, "GET", "/me/presence-alerts")).status).toBe(401);
  });
});

describe("a person's own default notification level", () => {
  it("named rooms without a level of their own follow the person's default, else the place's; conversations stay at every message", async () => {
    const general = async () => (await call(a.url, bob, "GET", "/room/0/notifications")).body;
    expect(await general()).toEqual({ roomId: "0", level: "mentions", chosen: false });
    expect((await call(a.url, bob, "GET", "/notifications")).body).toMatchObject({ namedDefault: { level: "mentions", chosen: false } });

    expect((await call(a.url, bob, "PUT", "/notifications/default", { level: "all" })).body).toEqual({ level: "all", chosen: true });
    expect(await general()).toEqual({ roomId: "0", level: "all", chosen: false });
    expect((await call(b.url, bob, "GET", "/notifications")).body).toMatchObject({ namedDefault: { level: "all", chosen: true } });
    // Another person is not affected, and a private conversation still notifies of everything.
    expect((await call(a.url, ann, "GET", "/room/0/notifications")).body).toMatchObject({ level: "mentions" });
    const [low, high] = [ann.user.id, bob.user.id].sort((x, y) => x - y);
    await call(a.url, ann, "POST", `/room/${low}:${high}/messages`, { message: "hi" });
    expect((await call(a.url, bob, "GET", `/room/${low}:${high}/notifications`)).body).toMatchObject({ level: "all", chosen: false });

    // A room's own level beats the default.
    await call(a.url, bob, "PUT", "/room/0/notifications", { level: "none" });
    expect(await general()).toEqual({ roomId: "0", level: "none", chosen: true });
    await call(a.url, bob, "PUT", "/room/0/notifications", { level: "mentions" });

    // Back to the place's default, which an administrator changes.
    expect((await call(a.url, bob, "PUT", "/notifications/default", { level: null })).body).toEqual({ level: "mentions", chosen: false });
    expect((await call(a.url, boss, "PATCH", "/place/settings", { defaultNotificationLevel: "none" })).status).toBe(200);
    await eventually(async () => ((await call(b.url, ann, "GET", "/notifications")).body as { namedDefault: { level: string } }).namedDefault.level === "none", 5000, "the place's default on b");
    expect((await call(a.url, bob, "PUT", "/notifications/default", { level: "loud" })).status).toBe(400);
  });
});
