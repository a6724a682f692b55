import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_ENDED_NOTICES, type AuditEntry, type SessionEndedNotice } from "../../src/protocol/index.js";
import { api, connect, eventually, login, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";
import { startReceiver } from "../integrations/webhook-receiver.js";

/**
 * A ban reaches every way in (issue 14), on two instances of one Redis: a bot's API token (and a
 * token rotated after the ban) is refused everywhere with 403, its webhook is no longer called
 * when it is mentioned, and all of it holds until the ban is lifted.
 */
describe("a ban refuses every credential of the account on every instance", () => {
  const db = usePrivateRedis();
  let a: RunningChatServer;
  let b: RunningChatServer;
  let admin: SignedIn, mary: SignedIn;
  const sockets: ClientSocket[] = [];

  const bearer = (url: string, token: string, method: string, path: string, body?: unknown) =>
    api(url, path, undefined, { method, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const asAdmin = (url: string, method: string, path: string, body?: unknown) =>
    api(url, path, admin.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  beforeAll(async () => {
    a = await startChatServer({ redisUrl: db.redis.url, allowPrivateNetworkFetch: true, webhookRetryBaseMs: 200, webhookTimeoutMs: 1000 });
    b = await startChatServer({ redisUrl: db.redis.url, allowPrivateNetworkFetch: true, webhookRetryBaseMs: 200, webhookTimeoutMs: 1000 });
    [admin, mary] = await signUp(a.url, "boss", "mary");
    await db.raw.hSet(`user:${admin.user.id}`, "role", "admin");
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await a?.close();
    await b?.close();
  });

  it("a banned bot's token, and one rotated after the ban, gets 403 'This account is banned' for every action on both instances, until the ban is lifted", async () => {
    const created = await asAdmin(a.url, "POST", "/bots", { name: "rogue" });
    const { id, token } = created.body as { id: number; token: string };
    const posted = await bearer(b.url, token, "POST", "/room/0/messages", { message: "before the ban" });
    expect(posted.status).toBe(201);
    const messageId = posted.body.id as string;

    expect((await asAdmin(a.url, "POST", `/users/${id}/ban`, { reason: "spam" })).status).toBe(200);
    const attempts: [string, string, unknown?][] = [
      ["POST", "/room/0/messages", { message: "after the ban" }],
      ["PATCH", `/room/0/messages/${messageId}`, { message: "edited" }],
      ["PUT", `/room/0/messages/${messageId}/reactions/%F0%9F%91%8D`],
      ["DELETE", `/room/0/messages/${messageId}`],
      ["PUT", "/room/0/read", { messageId }],
      ["PUT", "/room/0/notifications", { level: "none" }],
      ["GET", "/room/0/messages?size=5"],
      ["POST", "/rooms", { name: "bot-room" }],
    ];
    const refusedEverywhere = async (credential: string) => {
      for (const url of [a.url, b.url]) {
        for (const [method, path, body] of attempts) {
          const res = await bearer(url, credential, method, path, body);
          expect(res.status, `${method} ${path}`).toBe(403);
          expect(res.body.message, `${method} ${path}`).toMatch(/^This account is banned/);
        }
      }
    };
    await refusedEverywhere(token);
    const rotated = await asAdmin(a.url, "POST", `/bots/${id}/token`);
    expect(rotated.status).toBe(200);
    await refusedEverywhere(rotated.body.token as string);

    expect((await asAdmin(b.url, "DELETE", `/users/${id}/ban`)).status).toBe(200);
    expect((await bearer(a.url, rotated.body.token as string, "POST", "/room/0/messages", { message: "back" })).status).toBe(201);
    expect((await bearer(b.url, token, "POST", "/room/0/messages", { message: "old token" })).status).toBe(401);
  });

  it("mentioning a banned bot calls no webhook and posts no reply; after the ban is lifted it does again", async () => {
    let secret = "";
    const receiver = await startReceiver(() => secret, () => ({ status: 200, text: "pong" }));
    try {
      const created = await asAdmin(a.url, "POST", "/bots", { name: "pinger", webhookUrl: receiver.url });
      secret = created.body.webhookSecret as string;
      const id = created.body.id as number;
      expect((await asAdmin(b.url, "POST", `/users/${id}/ban`)).status).toBe(200);
      const say = (text: string) => api(b.url, "/room/0/messages", mary.cookie, { method: "POST", body: JSON.stringify({ message: text }) });
      expect((await say("@pinger are you there?")).status).toBe(201);
      await sleep(1500);
      expect(receiver.calls).toHaveLength(0);

      expect((await asAdmin(a.url, "DELETE", `/users/${id}/ban`)).status).toBe(200);
      expect((await say("@pinger now?")).status).toBe(201);
      const deadline = Date.now() + 5000;
      while (receiver.calls.length === 0 && Date.now() < deadline) await sleep(50);
      expect(receiver.calls.map((c) => c.payload.message.message)).toEqual(["@pinger now?"]);
    } finally {
      await receiver.close();
    }
  });

  it("a person banned while signed in is told on every instance that an administrator banned them, with the reason given", async () => {
    const [carol] = await signUp(a.url, "carol_banned");
    const phone = await login(b.url, "carol_banned");
    const pages = [await connect(a.url, carol.cookie), await connect(b.url, phone.cookie)];
    sockets.push(...pages);
    const notices = pages.map((socket) => {
      const seen: SessionEndedNotice[] = [];
      socket.on("session.ended", (n) => seen.push(n));
      return seen;
    });
    expect((await asAdmin(a.url, "POST", `/users/${carol.user.id}/ban`, { reason: "spam in #general" })).status).toBe(200);
    await eventually(() => notices.every((n) => n.length > 0) && pages.every((p) => !p.connected), 5000, "both pages told and closed");
    for (const seen of notices) expect(seen).toEqual([{ reason: SESSION_ENDED_NOTICES.banned, code: "banned", detail: "spam in #general" }]);

    // A ban without a reason says so without one.
    const [dan] = await signUp(b.url, "dan_banned");
    const danPage = await connect(b.url, dan.cookie);
    sockets.push(danPage);
    const danSeen: SessionEndedNotice[] = [];
    danPage.on("session.ended", (n) => danSeen.push(n));
    expect((await asAdmin(a.url, "POST", `/users/${dan.user.id}/ban`)).status).toBe(200);
    await eventually(() => danSeen.length > 0, 5000, "dan's notice");
    expect(danSeen).toEqual([{ reason: SESSION_ENDED_NOTICES.banned, code: "banned" }]);
  });

  it("a session that outlives a ban (written straight into Redis) is refused with 403 over HTTP and at the socket handshake", async () => {
    const [eve] = await signUp(a.url, "eve");
    await db.raw.sAdd("users:banned", String(eve.user.id));
    for (const url of [a.url, b.url]) {
      const res = await api(url, "/rooms/" + eve.user.id, eve.cookie);
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/^This account is banned/);
      await expect(connect(url, eve.cookie)).rejects.toThrow(/This account is banned/);
    }
    await db.raw.sRem("users:banned", String(eve.user.id));
    sockets.push(await connect(b.url, eve.cookie));
  });

  it("every route whose body fields are all optional accepts no body at all, as curl -X POST sends it", async () => {
    const [target] = await signUp(a.url, "quiet");
    for (const headers of [{}, { "content-type": "application/json" }] as Record<string, string>[]) {
      const res = await fetch(`${a.url}/users/${target.user.id}/ban`, { method: "POST", headers: { cookie: admin.cookie, ...headers } });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      expect(((await res.json()) as { banned: boolean }).banned).toBe(true);
    }
    const invite = await fetch(`${a.url}/invites`, { method: "POST", headers: { cookie: admin.cookie } });
    expect(invite.status).toBe(201);
    // A body that is required is still required.
    const noName = await fetch(`${a.url}/bots`, { method: "POST", headers: { cookie: admin.cookie } });
    expect(noName.status).toBe(400);
  });

  it("the audit log records the ban's reason, bot creation, token rotation, webhook changes and deletion, with names that survive a rename", async () => {
    const created = await asAdmin(a.url, "POST", "/bots", { name: "audited" });
    const id = created.body.id as number;
    await asAdmin(a.url, "POST", `/bots/${id}/token`);
    await asAdmin(a.url, "PATCH", `/bots/${id}`, { webhookUrl: "http://127.0.0.1:9/hook" });
    await asAdmin(a.url, "POST", `/users/${mary.user.id}/ban`, { reason: "rude in #general" });
    await asAdmin(a.url, "DELETE", `/bots/${id}`);
    // A later rename (straight in Redis, as a seed server could) does not change what the log says.
    await db.raw.hSet(`user:${mary.user.id}`, "username", "renamed-mary");

    const log = (await asAdmin(b.url, "GET", "/admin/audit?limit=20")).body as AuditEntry[];
    const mine = log.filter((e) => e.userId === id || e.userId === mary.user.id).reverse();
    expect(mine.map((e) => [e.action, e.userName, e.actorName, e.detail])).toEqual([
      ["bot.create", "audited", "boss", undefined],
      ["bot.token.rotate", "audited", "boss", undefined],
      ["bot.webhook.change", "audited", "boss", "http://127.0.0.1:9/hook"],
      ["user.ban", "mary", "boss", "rude in #general"],
      ["bot.delete", "audited", "boss", undefined],
    ]);
  });
});
