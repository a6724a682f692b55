import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminUsersPage, AuditEntry } from "../../src/protocol/index.js";
import { api, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/**
 * What administrators see of bans: the accounts list finds banned people by name and says when,
 * by whom and why each was banned; the audit log says which ban entry is still in force.
 */
describe("bans as administrators see them", () => {
  const db = usePrivateRedis();
  let a: RunningChatServer;
  let admin: SignedIn, dan: SignedIn, quiet: SignedIn;
  const asAdmin = (method: string, path: string, body?: unknown) =>
    api(a.url, path, admin.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const banEntries = async (userId: number) =>
    ((await asAdmin("GET", "/admin/audit")).body as AuditEntry[]).filter((e) => e.action === "user.ban" && e.userId === userId);

  beforeAll(async () => {
    a = await startChatServer({ redisUrl: db.redis.url });
    [admin, dan, quiet] = await signUp(a.url, "boss", "dan", "quietmember");
    await db.raw.hSet(`user:${admin.user.id}`, "role", "admin");
  });
  afterAll(async () => {
    await a?.close();
  });

  it("the accounts list has members who never posted, and a search by name finds a banned one with when, by whom and why", async () => {
    const everyone = (await asAdmin("GET", "/admin/users")).body as AdminUsersPage;
    expect(everyone.users.map((u) => u.username)).toContain(quiet.user.username);

    const before = Date.now();
    expect((await asAdmin("POST", `/users/${dan.user.id}/ban`, { reason: "spamming" })).status).toBe(200);
    const found = (await asAdmin("GET", "/admin/users?q=dan")).body as AdminUsersPage;
    const row = found.users.find((u) => u.id === dan.user.id);
    expect(row).toMatchObject({ banned: true, ban: { by: admin.user.id, reason: "spamming" } });
    expect(row!.ban!.at).toBeGreaterThanOrEqual(before);
    const banned = (await asAdmin("GET", "/admin/users?state=banned")).body as AdminUsersPage;
    expect(banned.users.map((u) => u.id)).toEqual([dan.user.id]);

    expect((await asAdmin("DELETE", `/users/${dan.user.id}/ban`)).status).toBe(200);
    const lifted = ((await asAdmin("GET", "/admin/users?q=dan")).body as AdminUsersPage).users.find((u) => u.id === dan.user.id);
    expect(lifted).toMatchObject({ banned: false });
    expect(lifted).not.toHaveProperty("ban");
  });

  it("a ban entry of the audit log is in force only while that ban is: not once lifted, not when a later ban replaced it", async () => {
    await asAdmin("POST", `/users/${quiet.user.id}/ban`, { reason: "first" });
    expect((await banEntries(quiet.user.id)).map((e) => [e.detail, e.inForce])).toEqual([["first", true]]);
    await asAdmin("DELETE", `/users/${quiet.user.id}/ban`);
    expect((await banEntries(quiet.user.id)).map((e) => [e.detail, e.inForce])).toEqual([["first", false]]);
    await asAdmin("POST", `/users/${quiet.user.id}/ban`, { reason: "second" });
    expect((await banEntries(quiet.user.id)).map((e) => [e.detail, e.inForce])).toEqual([["second", true], ["first", false]]);
    // Other entries say nothing about it.
    const others = ((await asAdmin("GET", "/admin/audit")).body as AuditEntry[]).filter((e) => e.action !== "user.ban");
    expect(others.length).toBeGreaterThan(0);
    for (const e of others) expect(e).not.toHaveProperty("inForce");
  });

  it("a ban made before its details were kept is in force while the person is banned, and listed as banned without details", async () => {
    await asAdmin("DELETE", `/users/${quiet.user.id}/ban`);
    await asAdmin("POST", `/users/${quiet.user.id}/ban`, { reason: "old" });
    await db.raw.del("users:banned:details");
    expect((await banEntries(quiet.user.id))[0]).toMatchObject({ detail: "old", inForce: true });
    const row = ((await asAdmin("GET", "/admin/users?state=banned")).body as AdminUsersPage).users.find((u) => u.id === quiet.user.id);
    expect(row).toMatchObject({ banned: true });
    expect(row).not.toHaveProperty("ban");
  });

  it("a ban stored the seed's way (in users:banned only, no details, no audit entry) is listed as banned without details and lifted", async () => {
    const [old] = await signUp(a.url, "oldbanned");
    await db.raw.sAdd("users:banned", String(old.user.id));
    expect((await api(a.url, "/me", old.cookie)).status).toBe(403);
    const row = ((await asAdmin("GET", "/admin/users?state=banned&q=oldbanned")).body as AdminUsersPage).users.find((u) => u.id === old.user.id);
    expect(row).toMatchObject({ banned: true });
    expect(row).not.toHaveProperty("ban");
    expect((await asAdmin("DELETE", `/users/${old.user.id}/ban`)).body).toMatchObject({ banned: false });
    expect(await db.raw.sIsMember("users:banned", String(old.user.id))).toBe(0);
    const after = ((await asAdmin("GET", "/admin/users?q=oldbanned")).body as AdminUsersPage).users.find((u) => u.id === old.user.id);
    expect(after).toMatchObject({ banned: false });
    expect((await api(a.url, "/me", old.cookie)).body).toMatchObject({ id: old.user.id });
    const lifts = ((await asAdmin("GET", "/admin/audit")).body as AuditEntry[]).filter((e) => e.action === "user.unban" && e.userId === old.user.id);
    expect(lifts).toHaveLength(1);
  });
});
