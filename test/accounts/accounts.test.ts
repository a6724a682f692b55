import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminUsersPage, PeoplePage, Profile } from "../../src/protocol/index.js";
import { api, connect, eventually, login, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/** Issue 18: profiles, passwords, the people directory and account administration, on two instances of one Redis. */
const db = usePrivateRedis();
let a: RunningChatServer, b: RunningChatServer;
let admin: SignedIn, ann: SignedIn, bob: SignedIn, cat: SignedIn;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  a = await startChatServer({ redisUrl: db.redis.url });
  b = await startChatServer({ redisUrl: db.redis.url });
  [admin, ann, bob, cat] = await signUp(a.url, "boss", "ann", "bob", "cat");
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all([a, b].map((s) => s?.close()));
});

const call = (url: string, who: SignedIn | undefined, method: string, path: string, body?: unknown) =>
  api(url, path, who?.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

describe("profiles", () => {
  it("a person sets a display name, title, status with expiry and time zone; everyone reads it; the username stays", async () => {
    const expiresAt = Date.now() + 3_600_000;
    const patched = await call(a.url, ann, "PATCH", "/me/profile", { displayName: "Ann Lee", title: "Design", status: "At lunch", statusExpiresAt: expiresAt, timeZone: "Europe/Paris" });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: ann.user.id, username: "ann", displayName: "Ann Lee", title: "Design", status: "At lunch", statusExpiresAt: expiresAt, timeZone: "Europe/Paris", role: "member" });
    expect((await call(b.url, bob, "GET", `/users/${ann.user.id}/profile`)).body).toMatchObject({ displayName: "Ann Lee", username: "ann" });
    expect((await call(a.url, ann, "GET", "/me/profile")).body).toMatchObject({ title: "Design" });
    // Seed clients keep seeing the username; ours get the display name beside it.
    expect((await call(a.url, bob, "GET", `/users?ids=${ann.user.id}`)).body).toEqual({ [ann.user.id]: { id: ann.user.id, username: "ann", online: false, displayName: "Ann Lee" } });
  });

  it("an expired status reads as none", async () => {
    await call(a.url, bob, "PATCH", "/me/profile", { status: "Brb", statusExpiresAt: Date.now() + 300 });
    await new Promise((r) => setTimeout(r, 400));
    expect((await call(a.url, ann, "GET", `/users/${bob.user.id}/profile`)).body).toMatchObject({ status: "", statusExpiresAt: null });
  });

  it("refuses malformed fields: an unknown time zone, an overlong title, unknown fields", async () => {
    expect((await call(a.url, ann, "PATCH", "/me/profile", { timeZone: "Mars/Olympus" })).status).toBe(400);
    expect((await call(a.url, ann, "PATCH", "/me/profile", { title: "x".repeat(101) })).status).toBe(400);
    expect((await call(a.url, ann, "PATCH", "/me/profile", { username: "evil" })).status).toBe(400);
    expect((await call(a.url, ann, "GET", "/users/99999/profile")).status).toBe(404);
  });

  it("a change reaches every client live, on every instance", async () => {
    const socket = await connect(b.url, cat.cookie, { batch: true });
    sockets.push(socket);
    const seen: Profile[] = [];
    socket.on("user.profile", (p) => seen.push(p));
    await call(a.url, ann, "PATCH", "/me/profile", { displayName: "Ann L." });
    await eventually(() => seen.some((p) => p.id === ann.user.id && p.displayName === "Ann L."), 5000, "user.profile on the other instance");
  });
});

describe("passwords", () => {
  it("PUT /me/password needs the current password, follows the rules, and ends every other session of theirs", async () => {
    const other = await login(a.url, "cat");
    expect((await call(a.url, cat, "PUT", "/me/password", { currentPassword: "wrong-one", newPassword: "new-password-1" })).status).toBe(403);
    expect((await call(a.url, cat, "PUT", "/me/password", { currentPassword: "password123", newPassword: "short" })).status).toBe(400);
    expect((await call(a.url, cat, "PUT", "/me/password", { currentPassword: "password123", newPassword: "new-password-1" })).status).toBe(200);
    expect((await call(a.url, cat, "GET", "/me")).body).toMatchObject({ username: "cat" });
    expect((await call(a.url, other, "GET", "/me")).body).toBeNull();
    expect((await login(a.url, "cat", "new-password-1")).status).toBe(200);
  });

  it("an administrator's reset link works once, before it expires, and ends all the person's sessions", async () => {
    const victim = await login(a.url, "dan");
    expect((await call(a.url, ann, "POST", `/users/${victim.user.id}/password-reset`)).status).toBe(403);
    const link = await call(a.url, admin, "POST", `/users/${victim.user.id}/password-reset`);
    expect(link.status).toBe(201);
    const { url, expiresAt } = link.body as { url: string; expiresAt: number };
    expect(expiresAt).toBeGreaterThan(Date.now());
    const token = new URL(url).searchParams.get("reset")!;
    // Its page can say whom it is for before a password is typed; looking does not use it up.
    const whom = await call(a.url, undefined, "GET", `/password-reset/${token}`);
    expect(whom.status).toBe(200);
    expect(whom.body).toMatchObject({ username: "dan", displayName: "" });
    expect(Math.abs((whom.body as { expiresAt: number }).expiresAt - expiresAt)).toBeLessThan(5_000);
    expect((await call(a.url, undefined, "GET", "/password-reset/not-a-token")).status).toBe(400);
    expect((await call(a.url, undefined, "POST", "/password-reset", { token, newPassword: "2short" })).status).toBe(400);
    expect((await call(a.url, undefined, "POST", "/password-reset", { token, newPassword: "fresh-password" })).status).toBe(200);
    expect((await call(a.url, undefined, "POST", "/password-reset", { token, newPassword: "another-password" })).status).toBe(404);
    const used = await call(a.url, undefined, "GET", `/password-reset/${token}`);
    expect(used.status).toBe(404);
    expect((used.body as { message: string }).message).toMatch(/not valid/);
    expect((await call(a.url, victim, "GET", "/me")).body).toBeNull();
    expect((await login(a.url, "dan", "fresh-password")).status).toBe(200);
    // An expired link is refused.
    const expiring = (await call(a.url, admin, "POST", `/users/${victim.user.id}/password-reset`)).body as { url: string };
    const expiredToken = new URL(expiring.url).searchParams.get("reset")!;
    for (const key of await db.raw.keys("password-reset:*")) await db.raw.pExpire(key, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect((await call(a.url, undefined, "GET", `/password-reset/${expiredToken}`)).status).toBe(404);
    expect((await call(a.url, undefined, "POST", "/password-reset", { token: expiredToken, newPassword: "fresh-password-2" })).status).toBe(404);
  });
});

describe("the people directory", () => {
  it("lists every member, posted or not, online first then by name, paged, searchable by name and display name", async () => {
    await signUp(a.url, "eve", "fay", "gus", "hal");
    const socket = await connect(a.url, (await login(a.url, "hal")).cookie);
    sockets.push(socket);
    await eventually(async () => (await db.raw.sIsMember("online_users", String((await login(a.url, "hal")).user.id))) === 1, 5000, "hal online");
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: PeoplePage = (await call(a.url, ann, "GET", `/people?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)).body as PeoplePage;
      expect(page.people.length).toBeLessThanOrEqual(3);
      names.push(...page.people.map((p) => p.username));
      cursor = page.nextCursor;
    } while (cursor);
    const onlineFirst: string[] = names.filter((n) => n === "hal" || n === "cat");
    expect(names[0]).toBe(onlineFirst[0]);
    expect(new Set(names)).toEqual(new Set(["boss", "ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"]));
    expect(names.length).toBe(9);
    const offline = names.filter((n) => !onlineFirst.includes(n));
    expect(offline).toEqual([...offline].sort());
    const byDisplayName = (await call(a.url, bob, "GET", "/people?q=ann%20l")).body as PeoplePage;
    expect(byDisplayName.people.map((p) => p.username)).toEqual(["ann"]);
    const byName = (await call(a.url, bob, "GET", "/people?q=FA")).body as PeoplePage;
    expect(byName.people.map((p) => p.username)).toEqual(["fay"]);
  });
});

describe("account administration", () => {
  it("lists accounts paged, searchable, filtered by role and state (administrators only)", async () => {
    expect((await call(a.url, ann, "GET", "/admin/users")).status).toBe(403);
    const admins = (await call(a.url, admin, "GET", "/admin/users?role=admin")).body as AdminUsersPage;
    expect(admins.users.map((u) => u.username)).toEqual(["boss"]);
    const page = (await call(a.url, admin, "GET", "/admin/users?limit=2")).body as AdminUsersPage;
    expect(page.users).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    expect(((await call(a.url, admin, "GET", "/admin/users?q=gu")).body as AdminUsersPage).users.map((u) => u.username)).toEqual(["gus"]);
  });

  it("promotes and demotes administrators, never the last one, with names in the audit log", async () => {
    expect((await call(a.url, admin, "PATCH", `/users/${admin.user.id}`, { role: "member" })).status).toBe(409);
    expect((await call(a.url, ann, "PATCH", `/users/${bob.user.id}`, { role: "admin" })).status).toBe(403);
    expect((await call(a.url, admin, "PATCH", `/users/${bob.user.id}`, { role: "admin" })).body).toMatchObject({ role: "admin" });
    expect((await call(a.url, bob, "GET", "/me")).body).toMatchObject({ role: "admin" });
    expect((await call(a.url, bob, "PATCH", `/users/${admin.user.id}`, { role: "member" })).body).toMatchObject({ role: "member" });
    expect((await call(a.url, bob, "PATCH", `/users/${bob.user.id}`, { deactivated: true })).status).toBe(409);
    const audit = (await call(a.url, bob, "GET", "/admin/audit")).body as { action: string; actorName?: string; userName?: string; detail?: string }[];
    expect(audit[0]).toMatchObject({ action: "user.role", actorName: "bob", userName: "boss", detail: "member" });
    expect(audit[1]).toMatchObject({ action: "user.role", actorName: "boss", userName: "bob", detail: "admin" });
  });

  it("a deactivated account is signed out everywhere, cannot sign in, is hidden from the directory and search, keeps its messages", async () => {
    const gus = await login(a.url, "gus");
    const posted = await call(a.url, gus, "POST", "/room/0/messages", { message: "before I go" });
    expect(posted.status).toBe(201);
    const socket = await connect(b.url, gus.cookie);
    sockets.push(socket);
    const ended = new Promise<void>((resolve) => socket.on("disconnect", () => resolve()));
    const res = await call(a.url, bob, "PATCH", `/users/${gus.user.id}`, { deactivated: true });
    expect(res.body).toMatchObject({ username: "gus", deactivated: true });
    await ended;
    expect((await call(a.url, gus, "GET", "/me")).body).toBeNull();
    const refused = await api(a.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: "gus", password: "password123" }) });
    expect(refused.status).toBe(403);
    expect(((await call(a.url, ann, "GET", "/people?q=gus")).body as PeoplePage).people).toEqual([]);
    expect((await call(a.url, ann, "GET", "/users/search?q=gus")).body).toEqual([]);
    expect(((await call(a.url, bob, "GET", "/admin/users?state=deactivated")).body as AdminUsersPage).users.map((u) => u.username)).toEqual(["gus"]);
    const history = (await call(a.url, ann, "GET", "/room/0/messages?size=5")).body as { from: number; message: string }[];
    expect(history.some((m) => m.from === gus.user.id && m.message === "before I go")).toBe(true);
    expect((await call(a.url, ann, "GET", `/users/${gus.user.id}/profile`)).body).toMatchObject({ username: "gus", deactivated: true });
    // Reactivated, they sign in again.
    await call(a.url, bob, "PATCH", `/users/${gus.user.id}`, { deactivated: false });
    expect((await login(a.url, "gus")).status).toBe(200);
    const audit = (await call(a.url, bob, "GET", "/admin/audit?limit=2")).body as { action: string; userName?: string }[];
    expect(audit.map((e) => e.action)).toEqual(["user.reactivate", "user.deactivate"]);
  });

  it("a room's members say who is deactivated (only them, and no longer once reactivated)", async () => {
    const hal = await login(a.url, "hal");
    const made = await call(a.url, ann, "POST", "/rooms", { members: [cat.user.id, hal.user.id] });
    expect(made.status).toBe(201);
    const roomId = (made.body as { id: string }).id;
    const members = async () => ((await call(a.url, ann, "GET", `/room/${roomId}`)).body as { members: { username: string; deactivated?: boolean }[] }).members;
    await call(a.url, bob, "PATCH", `/users/${hal.user.id}`, { deactivated: true });
    expect((await members()).map((m) => [m.username, m.deactivated ?? false]).sort()).toEqual([["ann", false], ["cat", false], ["hal", true]]);
    expect((await members()).find((m) => m.username === "ann")).not.toHaveProperty("deactivated");
    await call(a.url, bob, "PATCH", `/users/${hal.user.id}`, { deactivated: false });
    expect((await members()).some((m) => m.deactivated)).toBe(false);
  });
});
