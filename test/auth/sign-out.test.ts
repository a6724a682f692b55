import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endAllSessions } from "../../src/server/domain/sessions.js";
import { SESSION_ENDED_NOTICES, type SessionEndedNotice } from "../../src/protocol/index.js";
import { api, connect, eventually, login, send, sleep, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, TEST_SESSION_SECRET, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis } from "../resilience/helpers.js";
import { fastifyCookie } from "@fastify/cookie";

let redis: RedisServerHandle;
let a: RunningChatServer;
let b: RunningChatServer;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([startChatServer({ redisUrl: redis.url }), startChatServer({ redisUrl: redis.url })]);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all([a?.close(), b?.close()]);
  await redis?.kill();
});

const open = async (url: string, cookie: string) => {
  const socket = await connect(url, cookie);
  sockets.push(socket);
  const notices: string[] = [];
  socket.on("session.ended", (n) => notices.push(n.reason));
  return { socket, notices };
};
const closed = (socket: ClientSocket, what: string) => eventually(() => !socket.connected, 3000, what);
const post = (url: string, path: string, cookie?: string, headers: Record<string, string> = {}) =>
  api(url, path, cookie, { method: "POST", body: "{}", headers });

describe("POST /logout ends the session and every socket of it, on every instance", () => {
  it("closes the session's sockets here and on another instance at once; they can no longer send", async () => {
    const session = await login(a.url, "leaving_lou");
    const here = await open(a.url, session.cookie);
    const there = await open(b.url, session.cookie);
    expect((await send(here.socket, { roomId: "0", message: "still here" })).ok).toBe(true);
    expect((await post(a.url, "/logout", session.cookie)).status).toBe(200);
    await closed(here.socket, "the socket on the same instance to close");
    await closed(there.socket, "the socket on the other instance to close");
    expect(here.notices).toHaveLength(1);
    expect(there.notices).toHaveLength(1);
    // A new connection with the old cookie is refused.
    await expect(connect(b.url, session.cookie)).rejects.toThrow(/unauthorized/);
  });

  it("leaves the user's other sessions and their sockets alone", async () => {
    const first = await login(a.url, "two_tabs");
    const second = await login(b.url, "two_tabs");
    const one = await open(a.url, first.cookie);
    const other = await open(b.url, second.cookie);
    await post(a.url, "/logout", first.cookie);
    await closed(one.socket, "the signed-out socket to close");
    await sleep(200);
    expect(other.socket.connected).toBe(true);
    expect((await send(other.socket, { roomId: "0", message: "I am still signed in" })).ok).toBe(true);
  });
});

describe("a person's sessions", () => {
  it("GET /sessions lists them with created, last seen, user agent and the current flag", async () => {
    await login(a.url, "lister");
    const res = await fetch(`${b.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "TestBrowser/1.0" },
      body: JSON.stringify({ username: "lister", password: "password123" }),
    });
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    const list = await api(a.url, "/sessions", cookie);
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(2);
    const current = list.body.find((s: any) => s.current);
    expect(current).toEqual({
      handle: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      createdAt: expect.any(Number),
      lastSeenAt: expect.any(Number),
      userAgent: "TestBrowser/1.0",
      address: "127.0.0.1",
      current: true,
    });
    expect(list.body.filter((s: any) => s.current)).toHaveLength(1);
    // Never the session id itself.
    const sessionId = fastifyCookie.unsign(decodeURIComponent(cookie.slice("sid=".length)), TEST_SESSION_SECRET).value!;
    expect(JSON.stringify(list.body)).not.toContain(sessionId);
  });

  it("GET /sessions lists the current session first, last used now, though another was used after it signed in", async () => {
    const first = await login(a.url, "returner");
    await sleep(20);
    await login(b.url, "returner");
    const asked = Date.now();
    const list = (await api(a.url, "/sessions", first.cookie)).body as { current: boolean; lastSeenAt: number }[];
    expect(list.map((s) => s.current)).toEqual([true, false]);
    expect(list[0]!.lastSeenAt).toBeGreaterThanOrEqual(asked);
    expect(list[0]!.lastSeenAt).toBeGreaterThanOrEqual(list[1]!.lastSeenAt);
  });

  it("DELETE /sessions/:handle ends that session and closes its socket on another instance", async () => {
    const mine = await login(a.url, "pruner");
    const lost = await login(b.url, "pruner");
    const lostSocket = await open(b.url, lost.cookie);
    const list = (await api(a.url, "/sessions", mine.cookie)).body as { handle: string; current: boolean }[];
    const other = list.find((s) => !s.current)!;
    const res = await api(a.url, `/sessions/${other.handle}`, mine.cookie, { method: "DELETE" });
    expect(res.status).toBe(200);
    await closed(lostSocket.socket, "the ended session's socket to close");
    expect((await api(b.url, "/me", lost.cookie)).body).toBeNull();
    expect((await api(a.url, "/me", mine.cookie)).body).toMatchObject(mine.user);
    expect((await api(a.url, `/sessions/${other.handle}`, mine.cookie, { method: "DELETE" })).status).toBe(404);
  });

  it("cannot end someone else's session by its handle", async () => {
    const victim = await login(a.url, "victim_v");
    const attacker = await login(a.url, "attacker_a");
    const handle = ((await api(a.url, "/sessions", victim.cookie)).body as { handle: string }[])[0]!.handle;
    expect((await api(a.url, `/sessions/${handle}`, attacker.cookie, { method: "DELETE" })).status).toBe(404);
    expect((await api(a.url, "/me", victim.cookie)).body).toMatchObject(victim.user);
  });

  it("DELETE /sessions ends every other session and keeps this one", async () => {
    const keep = await login(a.url, "tidy");
    const others = [await login(b.url, "tidy"), await login(a.url, "tidy")];
    const socketsOfOthers = await Promise.all(others.map((o, i) => open(i ? a.url : b.url, o.cookie)));
    const res = await api(a.url, "/sessions", keep.cookie, { method: "DELETE" });
    expect(res.body).toEqual({ ended: 2 });
    for (const s of socketsOfOthers) await closed(s.socket, "another session's socket to close");
    expect((await api(a.url, "/me", keep.cookie)).body).toMatchObject(keep.user);
    expect((await api(a.url, "/sessions", keep.cookie)).body).toHaveLength(1);
  });

  it("POST /logout/everywhere ends every session, this one included", async () => {
    const one = await login(a.url, "everywhere");
    const two = await login(b.url, "everywhere");
    const s1 = await open(a.url, one.cookie);
    const s2 = await open(b.url, two.cookie);
    const res = await post(a.url, "/logout/everywhere", one.cookie);
    expect(res.body).toEqual({ ended: 2 });
    await closed(s1.socket, "this session's socket to close");
    await closed(s2.socket, "the other session's socket to close");
    expect((await api(a.url, "/me", one.cookie)).body).toBeNull();
    expect((await api(b.url, "/me", two.cookie)).body).toBeNull();
  });

  it("endAllSessions(userId), for bans and password changes, ends every session and socket on every instance", async () => {
    const one = await login(a.url, "banned_bo");
    const two = await login(b.url, "banned_bo");
    const s1 = await open(a.url, one.cookie);
    const s2 = await open(b.url, two.cookie);
    expect(await endAllSessions(b.instance.ctx, one.user.id)).toBe(2);
    await closed(s1.socket, "the socket on the other instance to close");
    await closed(s2.socket, "the socket on this instance to close");
    expect((await api(a.url, "/me", one.cookie)).body).toBeNull();
  });

  it("sessions created before the index existed are indexed at start, so they can be ended too", async () => {
    const session = await login(a.url, "old_timer");
    const raw = await rawRedis(redis.url);
    // As an older redis-chat left it: no per-user index, no marker.
    await raw.del([`{user:${session.user.id}}:sessions`, "sessions:indexed"]);
    await raw.close();
    const c = await startChatServer({ redisUrl: redis.url });
    try {
      expect(await endAllSessions(c.instance.ctx, session.user.id)).toBe(1);
      expect((await api(a.url, "/me", session.cookie)).body).toBeNull();
    } finally {
      await c.close();
    }
  });
});

describe("every open page of an ended session is told why (session.ended's code), on every instance", () => {
  const watch = async (url: string, cookie: string) => {
    const socket = await connect(url, cookie);
    sockets.push(socket);
    const notices: SessionEndedNotice[] = [];
    socket.on("session.ended", (n) => notices.push(n));
    return { socket, notices };
  };
  const told = (code: keyof typeof SESSION_ENDED_NOTICES) => ({ reason: SESSION_ENDED_NOTICES[code], code });
  const noticeOf = async (page: { socket: ClientSocket; notices: SessionEndedNotice[] }, what: string) => {
    await closed(page.socket, what);
    await eventually(() => page.notices.length > 0, 3000, `${what}: its notice`);
    return page.notices;
  };

  it("a plain sign-out tells the session's other tabs, here and on another instance, that they signed out in another tab", async () => {
    const session = await login(a.url, "tabby");
    const [here, there] = [await watch(a.url, session.cookie), await watch(b.url, session.cookie)];
    await post(a.url, "/logout", session.cookie);
    expect(await noticeOf(here, "the other tab on this instance")).toEqual([told("signed-out")]);
    expect(await noticeOf(there, "the other tab on the other instance")).toEqual([told("signed-out")]);
  });

  it("sign out everywhere: other devices hear they were signed out from another device, the asking session's tabs that they signed out here", async () => {
    const phone = await login(b.url, "roamer");
    const desk = await login(a.url, "roamer");
    const [phonePage, deskOtherTab] = [await watch(b.url, phone.cookie), await watch(b.url, desk.cookie)];
    expect((await post(a.url, "/logout/everywhere", desk.cookie)).body).toEqual({ ended: 2 });
    expect(await noticeOf(phonePage, "the phone")).toEqual([told("ended-elsewhere")]);
    expect(await noticeOf(deskOtherTab, "the desk's other tab")).toEqual([told("signed-out")]);
  });

  it("a session ended from another device's sessions list, or with 'Sign out other sessions', hears it was signed out from another device", async () => {
    const keep = await login(a.url, "listy");
    const first = await login(b.url, "listy");
    const second = await login(b.url, "listy");
    const [firstPage, secondPage] = [await watch(b.url, first.cookie), await watch(a.url, second.cookie)];
    const list = (await api(a.url, "/sessions", first.cookie)).body as { handle: string; current: boolean }[];
    const own = list.find((s) => s.current)!;
    expect((await api(a.url, `/sessions/${own.handle}`, keep.cookie, { method: "DELETE" })).status).toBe(200);
    expect(await noticeOf(firstPage, "the session ended from the list")).toEqual([told("ended-elsewhere")]);
    expect((await api(a.url, "/sessions", keep.cookie, { method: "DELETE" })).body).toEqual({ ended: 1 });
    expect(await noticeOf(secondPage, "the other session")).toEqual([told("ended-elsewhere")]);
  });

  it("a password change tells the person's other sessions why they were signed out, and keeps this one", async () => {
    const here = await login(a.url, "changer");
    const elsewhere = await login(b.url, "changer");
    const [herePage, elsewherePage] = [await watch(a.url, here.cookie), await watch(b.url, elsewhere.cookie)];
    const changed = await api(a.url, "/me/password", here.cookie, { method: "PUT", body: JSON.stringify({ currentPassword: "password123", newPassword: "a-new-password" }) });
    expect(changed.status).toBe(200);
    expect(await noticeOf(elsewherePage, "the other session")).toEqual([told("password-changed")]);
    await sleep(200);
    expect(herePage.socket.connected).toBe(true);
    expect(herePage.notices).toEqual([]);
  });
});

describe("state-changing requests from another origin are refused", () => {
  const foreign = () => [
    "http://evil.example",
    `http://127.0.0.1:${Number(new URL(a.url).port) + 1}`,
    `https://${new URL(a.url).host}`,
    "null",
  ];

  it("POST /logout from a foreign Origin answers 403 JSON and the session stays", async () => {
    const session = await login(a.url, "origin_olly");
    for (const origin of foreign()) {
      const res = await post(a.url, "/logout", session.cookie, { origin });
      expect(res.status, origin).toBe(403);
      expect(res.body, origin).toEqual({ message: expect.stringMatching(/origin/i) });
    }
    expect((await api(a.url, "/me", session.cookie)).body).toMatchObject(session.user);
  });

  it("uses the Referer when there is no Origin", async () => {
    const session = await login(a.url, "referer_ray");
    const refused = await post(a.url, "/logout", session.cookie, { referer: "http://evil.example/page" });
    expect(refused.status).toBe(403);
    const own = await post(a.url, "/logout", session.cookie, { referer: `${a.url}/some/page` });
    expect(own.status).toBe(200);
  });

  it("refuses POST /login and DELETE /sessions from another origin too", async () => {
    const session = await login(a.url, "cross_cass");
    const loginRes = await api(a.url, "/login", undefined, {
      method: "POST",
      body: JSON.stringify({ username: "cross_cass", password: "password123" }),
      headers: { origin: "http://evil.example" },
    });
    expect(loginRes.status).toBe(403);
    const del = await api(a.url, "/sessions", session.cookie, { method: "DELETE", headers: { origin: "http://evil.example" } });
    expect(del.status).toBe(403);
  });

  it("accepts the server's own origin, no Origin at all, and ALLOWED_ORIGINS", async () => {
    const session = await login(a.url, "home_hal");
    expect((await post(a.url, "/room", session.cookie, { origin: a.url })).status).toBe(400);
    const c = await startChatServer({ redisUrl: redis.url, allowedOrigins: ["https://chat.example.com"] });
    try {
      const other = await login(c.url, "allowed_al");
      expect((await post(c.url, "/logout", other.cookie, { origin: "https://chat.example.com" })).status).toBe(200);
      const again = await login(c.url, "allowed_al");
      expect((await post(c.url, "/logout", again.cookie, { origin: "https://chat.example.com:8443" })).status).toBe(403);
    } finally {
      await c.close();
    }
    expect((await post(a.url, "/logout", session.cookie)).status).toBe(200);
  });

  it("GET requests are not affected", async () => {
    const session = await login(a.url, "reader_rae");
    expect((await api(a.url, "/me", session.cookie, { headers: { origin: "http://evil.example" } })).status).toBe(200);
  });
});
