import { createHash, randomBytes } from "node:crypto";
import { fastifyCookie } from "@fastify/cookie";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodeSessionEndedHeader, SESSION_ENDED_HEADER, SESSION_GONE_NOTICES, SignInFirst, type SessionGone, type SessionGoneCode,
} from "../../src/protocol/index.js";
import { api, connect, login, type SignedIn } from "../support/chat-client.js";
import { startChatServer, TEST_SESSION_SECRET, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/**
 * A page that was away (offline, asleep) when its session was ended never heard `session.ended`.
 * When it comes back with the session's cookie, a request answered 401 (`ended`) and a refused
 * Socket.IO handshake (`err.data.ended`) both say why, on any instance: the ending is remembered by
 * the session's handle for the rest of the session's lifetime; a session not remembered expired.
 */
const db = usePrivateRedis();
let a: RunningChatServer;
let b: RunningChatServer;
let admin: SignedIn;

beforeAll(async () => {
  [a, b] = await Promise.all([startChatServer({ redisUrl: db.redis.url }), startChatServer({ redisUrl: db.redis.url })]);
  [admin] = await signUp(a.url, "ender_admin");
  await db.raw.hSet(`user:${admin.user.id}`, "role", "admin");
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

const told = (code: SessionGoneCode, detail?: string): SessionGone => ({ code, reason: SESSION_GONE_NOTICES[code], ...(detail ? { detail } : {}) });
const post = (url: string, path: string, cookie: string, body: unknown = {}) => api(url, path, cookie, { method: "POST", body: JSON.stringify(body) });

/**
 * What a page coming back with `cookie` hears, on both instances: from a request, from its
 * reconnection, and (a page loaded anew) from `GET /me`, which answers `null` with why in its header.
 */
async function heardOnReturn(cookie: string): Promise<{ rest: unknown[]; handshake: unknown[]; me: unknown[] }> {
  const rest: unknown[] = [];
  const handshake: unknown[] = [];
  const me: unknown[] = [];
  for (const url of [a.url, b.url]) {
    const answer = await api(url, "/users/online", cookie);
    expect(answer.status).toBe(401);
    expect((answer.body as { message: string }).message).toBe("Sign in first");
    rest.push((answer.body as { ended?: unknown }).ended);
    const refusal = await connect(url, cookie).then(() => { throw new Error("the handshake was accepted"); }, (err: Error & { data?: unknown }) => err);
    const data = SignInFirst.parse(refusal.data);
    handshake.push(data.ended);
    const start = await api(url, "/me", cookie);
    expect(start.status).toBe(200);
    expect(start.body).toBeNull();
    me.push(decodeSessionEndedHeader(start.headers.get(SESSION_ENDED_HEADER)));
  }
  return { rest, handshake, me };
}

/** `owner`: whose session it was, named to a page loaded anew (its name is filled in at sign-in). */
async function expectHeard(cookie: string, notice: SessionGone, owner?: SignedIn["user"]): Promise<void> {
  const atStart = { ...notice, ...(owner ? { user: { id: owner.id, username: owner.username } } : {}) };
  expect(await heardOnReturn(cookie)).toEqual({ rest: [notice, notice], handshake: [notice, notice], me: [atStart, atStart] });
}

const handleOf = (cookie: string) => {
  const id = fastifyCookie.unsign(decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1)), TEST_SESSION_SECRET).value!;
  return { id, handle: createHash("sha256").update(id).digest("base64url").slice(0, 16) };
};

describe("a page away when its session ended is told why when it comes back", () => {
  it("banned: the ban and its reason, until the ban is lifted; then that the session ended elsewhere", async () => {
    const [away] = await signUp(a.url, "away_banned");
    expect((await post(b.url, `/users/${away.user.id}/ban`, admin.cookie, { reason: "spam while you slept" })).status).toBe(200);
    await expectHeard(away.cookie, told("banned", "spam while you slept"), away.user);
    expect((await api(a.url, `/users/${away.user.id}/ban`, admin.cookie, { method: "DELETE" })).status).toBe(200);
    await expectHeard(away.cookie, told("ended-elsewhere"), away.user);
  });

  it("signed out everywhere from another device: signed out from another device; the asking session's own tabs: signed out in this browser", async () => {
    const away = await login(a.url, "away_everywhere");
    const other = await login(b.url, "away_everywhere");
    expect((await post(b.url, "/logout/everywhere", other.cookie)).status).toBe(200);
    await expectHeard(away.cookie, told("ended-elsewhere"), away.user);
    await expectHeard(other.cookie, told("signed-out"), other.user);
  });

  it("a password change, a session ended from the sessions list, and a deactivation (until reactivated) each say so", async () => {
    const changed = await login(a.url, "away_password");
    const changer = await login(b.url, "away_password");
    const put = await api(b.url, "/me/password", changer.cookie, { method: "PUT", body: JSON.stringify({ currentPassword: "password123", newPassword: "a-new-password" }) });
    expect(put.status).toBe(200);
    await expectHeard(changed.cookie, told("password-changed"), changed.user);

    const listed = await login(a.url, "away_listed");
    const lister = await login(b.url, "away_listed");
    expect((await api(b.url, `/sessions/${handleOf(listed.cookie).handle}`, lister.cookie, { method: "DELETE" })).status).toBe(200);
    await expectHeard(listed.cookie, told("ended-elsewhere"), listed.user);

    const [gone] = await signUp(a.url, "away_deactivated");
    const deactivated = await api(a.url, `/users/${gone.user.id}`, admin.cookie, { method: "PATCH", body: JSON.stringify({ deactivated: true }) });
    expect(deactivated.status).toBe(200);
    await expectHeard(gone.cookie, told("deactivated"), gone.user);
    // Reactivated since: the account may sign in again, so it is not said to be deactivated.
    expect((await api(a.url, `/users/${gone.user.id}`, admin.cookie, { method: "PATCH", body: JSON.stringify({ deactivated: false }) })).status).toBe(200);
    await expectHeard(gone.cookie, told("ended-elsewhere"), gone.user);
  });

  it("a session not remembered as ended (it ran its course) expired; a request without a cookie is told nothing", async () => {
    const never = `sid=${encodeURIComponent(fastifyCookie.sign(randomBytes(24).toString("base64url"), TEST_SESSION_SECRET))}`;
    await expectHeard(never, told("expired"));
    const bare = await api(a.url, "/users/online");
    expect(bare.status).toBe(401);
    expect(bare.body).toEqual({ message: "Sign in first" });
    const start = await api(a.url, "/me");
    expect(start.body).toBeNull();
    expect(start.headers.get(SESSION_ENDED_HEADER)).toBeNull();
  });

  it("a cookie this server did not sign, though it names a real ended session, is told nothing of it: no reason, no name", async () => {
    const [away] = await signUp(a.url, "away_unsigned");
    expect((await post(b.url, `/users/${away.user.id}/ban`, admin.cookie, { reason: "not for strangers" })).status).toBe(200);
    const { id } = handleOf(away.cookie);
    const forged = [
      `sid=${encodeURIComponent(id)}`,
      `sid=${encodeURIComponent(fastifyCookie.sign(id, "another-secret-entirely"))}`,
      `sid=${encodeURIComponent(`${id}.${"A".repeat(43)}`)}`,
    ];
    for (const cookie of forged) {
      const start = await api(a.url, "/me", cookie);
      expect(start.body).toBeNull();
      expect(start.headers.get(SESSION_ENDED_HEADER)).toBeNull();
      const answer = await api(a.url, "/users/online", cookie);
      expect(answer.body).toEqual({ message: "Sign in first" });
    }
    // The cookie it really had is told, with exactly why and whose it was.
    const told = await api(a.url, "/me", away.cookie);
    expect(told.headers.get("cache-control")).toBe("private, no-store");
    expect(Object.keys(JSON.parse(decodeURIComponent(told.headers.get(SESSION_ENDED_HEADER)!))).sort()).toEqual(["code", "detail", "reason", "user"]);
  });

  it("a page loaded anew reads a ban's reason whole from GET /me, in any script; signed in again, GET /me says nothing of it", async () => {
    const [away] = await signUp(a.url, "away_reloaded");
    const reason = "Spam à minuit 🚫 — «encore»\nsecond line";
    expect((await post(b.url, `/users/${away.user.id}/ban`, admin.cookie, { reason })).status).toBe(200);
    await expectHeard(away.cookie, told("banned", reason), away.user);
    expect((await api(a.url, `/users/${away.user.id}/ban`, admin.cookie, { method: "DELETE" })).status).toBe(200);
    const again = await login(a.url, "away_reloaded");
    const start = await api(a.url, "/me", again.cookie);
    expect(start.body).toMatchObject({ id: away.user.id, username: away.user.username });
    expect(start.headers.get(SESSION_ENDED_HEADER)).toBeNull();
  });

  it("is remembered by the session's handle, never its id, for no longer than the session had left to live", async () => {
    const away = await login(a.url, "away_ttl");
    const { id, handle } = handleOf(away.cookie);
    const left = await db.raw.pTTL(`session:${id}`);
    expect((await post(a.url, "/logout/everywhere", (await login(b.url, "away_ttl")).cookie)).status).toBe(200);
    const kept = await db.raw.get(`sessions:ended:${handle}`);
    expect(kept).not.toContain(id);
    expect(JSON.parse(kept!)).toMatchObject({ userId: away.user.id, code: "ended-elsewhere" });
    const ttl = await db.raw.pTTL(`sessions:ended:${handle}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(left);
  });

  it("the seed client's /stream is closed when its session ends; opened again, it is refused with why", async () => {
    const [held] = await signUp(a.url, "away_streamer");
    const res = await fetch(`${b.url}/stream`, { headers: { cookie: held.cookie } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    // Settles once the server ends the response.
    const ended = (async () => { for (;;) if ((await reader.read()).done) return "closed"; })();
    expect((await post(b.url, `/users/${held.user.id}/ban`, admin.cookie, { reason: "streaming spam" })).status).toBe(200);
    expect(await ended).toBe("closed");
    const again = await api(a.url, "/stream", held.cookie);
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ message: "Sign in first", ended: told("banned", "streaming spam") });
  });
});
