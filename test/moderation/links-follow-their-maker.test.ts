import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Invite } from "../../src/protocol/index.js";
import { api, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/**
 * A ban or a deactivation ends every credential of the person at once, and with them the links
 * they handed out as an administrator: their invitations and password reset links are refused
 * while they are banned or deactivated (each a way in made on their authority), on every
 * instance; a lifted ban gives them back until they expire. Two instances on one Redis: one lets
 * anyone register (to make the accounts), the other needs an invitation.
 */
const db = usePrivateRedis();
let open: RunningChatServer, invite: RunningChatServer;
let boss: SignedIn, member: SignedIn;

beforeAll(async () => {
  [open, invite] = await Promise.all([
    startChatServer({ redisUrl: db.redis.url }),
    startChatServer({ redisUrl: db.redis.url, registration: "invite" }),
  ]);
  [boss, member] = await signUp(open.url, "links_boss", "links_member");
  await db.raw.hSet(`user:${boss.user.id}`, "role", "admin");
});
afterAll(async () => {
  await Promise.all([open?.close(), invite?.close()]);
});

const call = (url: string, who: SignedIn | undefined, method: string, path: string, body?: unknown) =>
  api(url, path, who?.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

/** An administrator who hands out an invitation and a reset link for `member`, then is demoted (admins cannot be banned). */
async function deputyWithLinks(name: string): Promise<{ deputy: SignedIn; code: string; token: string }> {
  const [deputy] = await signUp(open.url, name);
  expect((await call(open.url, boss, "PATCH", `/users/${deputy.user.id}`, { role: "admin" })).status).toBe(200);
  const made = await call(open.url, deputy, "POST", "/invites", { maxUses: 5, expiresInHours: 24 });
  expect(made.status).toBe(201);
  const reset = await call(open.url, deputy, "POST", `/users/${member.user.id}/password-reset`);
  expect(reset.status).toBe(201);
  expect((await call(open.url, boss, "PATCH", `/users/${deputy.user.id}`, { role: "member" })).status).toBe(200);
  return { deputy, code: (made.body as Invite).code, token: new URL((reset.body as { url: string }).url).searchParams.get("reset")! };
}

const inviteState = async (code: string) => ((await call(invite.url, undefined, "GET", `/invites/${code}/state`)).body as { state: string }).state;
const joinWith = (code: string, username: string) =>
  call(invite.url, undefined, "POST", "/login", { username, password: "password123", createAccount: true, invite: code });
const resetWith = (token: string, newPassword: string) => call(invite.url, undefined, "POST", "/password-reset", { token, newPassword });

describe("links an administrator handed out end with their ban or deactivation", () => {
  it("banned: their invitation is no longer valid and admits nobody, their reset link sets no password; the ban lifted, both work again", async () => {
    const { deputy, code, token } = await deputyWithLinks("links_banned_deputy");
    expect(await inviteState(code)).toBe("valid");
    expect((await call(open.url, boss, "POST", `/users/${deputy.user.id}/ban`, { reason: "rogue" })).status).toBe(200);

    expect(await inviteState(code)).toBe("unknown");
    const refused = await joinWith(code, "links_newcomer");
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toMatch(/not valid/);
    expect(await db.raw.hGet(`invite:${code}`, "uses")).toBe("0");
    expect((await resetWith(token, "taken-over-password")).status).toBe(404);
    // The member's password is the one they chose.
    expect((await call(open.url, undefined, "POST", "/login", { username: "links_member", password: "password123" })).status).toBe(200);

    expect((await call(open.url, undefined, "GET", `/password-reset/${token}`)).status).toBe(404);

    expect((await call(open.url, boss, "DELETE", `/users/${deputy.user.id}/ban`)).status).toBe(200);
    expect((await call(open.url, undefined, "GET", `/password-reset/${token}`)).status).toBe(200);
    expect(await inviteState(code)).toBe("valid");
    expect((await joinWith(code, "links_newcomer")).status).toBe(201);
    expect((await resetWith(token, "a-password-reset")).status).toBe(200);
  });

  it("banned the seed's way (the id added to users:banned alone): their links are refused as well", async () => {
    const { deputy, code } = await deputyWithLinks("links_seedbanned_deputy");
    await db.raw.sAdd("users:banned", String(deputy.user.id));
    expect(await inviteState(code)).toBe("unknown");
    expect((await joinWith(code, "links_seed_newcomer")).status).toBe(403);
  });

  it("deactivated: their invitation and reset link are refused", async () => {
    const { deputy, code, token } = await deputyWithLinks("links_gone_deputy");
    expect((await call(open.url, boss, "PATCH", `/users/${deputy.user.id}`, { deactivated: true })).status).toBe(200);
    expect(await inviteState(code)).toBe("unknown");
    expect((await joinWith(code, "links_gone_newcomer")).status).toBe(403);
    expect((await resetWith(token, "taken-over-password")).status).toBe(404);
  });

  it("the invitations list shows a banned or deactivated maker's invitation as suspended, by whom and why; lifted, it is plain again", async () => {
    const listed = async (code: string) => ((await call(open.url, boss, "GET", "/invites")).body as Invite[]).find((i) => i.code === code);
    const banned = await deputyWithLinks("links_listed_banned");
    const gone = await deputyWithLinks("links_listed_gone");
    expect((await listed(banned.code))?.suspended).toBeUndefined();
    expect((await call(open.url, boss, "POST", `/users/${banned.deputy.user.id}/ban`, {})).status).toBe(200);
    expect((await call(open.url, boss, "PATCH", `/users/${gone.deputy.user.id}`, { deactivated: true })).status).toBe(200);
    expect((await listed(banned.code))?.suspended).toEqual({ makerName: "links_listed_banned", because: "banned" });
    expect((await listed(gone.code))?.suspended).toEqual({ makerName: "links_listed_gone", because: "deactivated" });
    // The boss's own invitation is not suspended.
    const own = (await call(open.url, boss, "POST", "/invites", {})).body as Invite;
    expect(await listed(own.code)).not.toHaveProperty("suspended");

    expect((await call(open.url, boss, "DELETE", `/users/${banned.deputy.user.id}/ban`)).status).toBe(200);
    expect((await listed(banned.code))?.suspended).toBeUndefined();
  });

  it("a revoked invitation is no longer listed, and revoking it again says it was already revoked", async () => {
    const made = (await call(open.url, boss, "POST", "/invites", {})).body as Invite;
    expect((await call(open.url, boss, "DELETE", `/invites/${made.code}`)).status).toBe(200);
    expect(((await call(open.url, boss, "GET", "/invites")).body as Invite[]).map((i) => i.code)).not.toContain(made.code);
    const again = await call(open.url, boss, "DELETE", `/invites/${made.code}`);
    expect(again.status).toBe(404);
    expect((again.body as { message: string }).message).toMatch(/already revoked/);
  });

  it("a reset link made before its maker was kept (the user id alone) still works once", async () => {
    const reset = await call(open.url, boss, "POST", `/users/${member.user.id}/password-reset`);
    const token = new URL((reset.body as { url: string }).url).searchParams.get("reset")!;
    const key = `password-reset:${createHash("sha256").update(token).digest("base64url")}`;
    expect(JSON.parse((await db.raw.get(key))!)).toEqual({ userId: member.user.id, by: boss.user.id });
    await db.raw.set(key, String(member.user.id), { KEEPTTL: true });
    expect((await resetWith(token, "an-older-link-password")).status).toBe(200);
    expect((await resetWith(token, "again-password")).status).toBe(404);
  });
});
