import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateRoomId, type ChatMessage } from "../../src/protocol/index.js";
import { api, collectMessages, connect, eventually, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/** Bots on two instances of one Redis: token life cycle, posting over REST, admin-only management. */
describe("bots", () => {
  const db = usePrivateRedis();
  let a: RunningChatServer;
  let b: RunningChatServer;
  let admin: { cookie: string; id: number };
  let member: { cookie: string; id: number };
  const sockets: ClientSocket[] = [];

  const asBot = (url: string, token: string, path: string, body?: unknown) =>
    api(url, path, undefined, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const adminCall = (url: string, method: string, path: string, body?: unknown) =>
    api(url, path, admin.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  beforeAll(async () => {
    a = await startChatServer({ redisUrl: db.redis.url });
    b = await startChatServer({ redisUrl: db.redis.url });
    const [boss, mary] = await signUp(a.url, "boss", "mary");
    await db.raw.hSet(`user:${boss.user.id}`, "role", "admin");
    admin = { cookie: boss.cookie, id: boss.user.id };
    member = { cookie: mary.cookie, id: mary.user.id };
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await a?.close();
    await b?.close();
  });

  it("only administrators create, list, rotate and delete bots", async () => {
    const asMember = (method: string, path: string, body?: unknown) =>
      api(a.url, path, member.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect((await asMember("POST", "/bots", { name: "sneaky" })).status).toBe(403);
    expect((await asMember("GET", "/bots")).status).toBe(403);
    expect((await api(a.url, "/bots")).status).toBe(401);
  });

  it("creates a bot: 201 with a token shown once, stored only as a hash; a member of General with the role bot", async () => {
    const res = await adminCall(a.url, "POST", "/bots", { name: "deploy" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), username: "deploy", token: expect.stringMatching(/^rcb_[A-Za-z0-9_-]{43}$/) });
    const { id, token } = res.body as { id: number; token: string };
    expect(await db.raw.hGet(`user:${id}`, "role")).toBe("bot");
    expect(await db.raw.sIsMember(`user:${id}:rooms`, "0")).toBe(1);
    // Nowhere in Redis in clear.
    for (const key of await db.raw.keys("*")) {
      const type = await db.raw.type(key);
      const dump = type === "string" ? await db.raw.get(key) : type === "hash" ? JSON.stringify(await db.raw.hGetAll(key)) : "";
      expect(dump ?? "").not.toContain(token);
    }
    const list = await adminCall(b.url, "GET", "/bots");
    expect(list.status).toBe(200);
    expect(list.body).toEqual([{ id, username: "deploy", createdAt: expect.any(Number), webhook: null }]);
    expect(JSON.stringify(list.body)).not.toContain("rcb_");
    expect((await adminCall(a.url, "POST", "/bots", { name: "DEPLOY" })).status).toBe(409);
    expect((await adminCall(a.url, "POST", "/bots", { name: "mary" })).status).toBe(409);
  });

  it("a bot posts with its token on any instance, delivered live like a socket message; a repeated clientId returns the first (200)", async () => {
    const created = await adminCall(a.url, "POST", "/bots", { name: "announcer" });
    const { id, token } = created.body as { id: number; token: string };
    const listener = await connect(a.url, member.cookie, { batch: true });
    sockets.push(listener);
    const received = collectMessages(listener);

    const first = await asBot(b.url, token, "/room/0/messages", { message: "deploy finished", clientId: "deploy-42" });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: expect.any(String), from: id, date: expect.any(Number), message: "deploy finished", roomId: "0" });
    const again = await asBot(a.url, token, "/room/0/messages", { message: "deploy finished", clientId: "deploy-42" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    await eventually(() => received.some((m) => m.id === first.body.id), 5000, "live delivery");
    await new Promise((r) => setTimeout(r, 200));
    expect(received.filter((m: ChatMessage) => m.id === first.body.id)).toHaveLength(1);

    // Reading works with the token as for a person; rooms it is not in are refused.
    const history = await asBot(a.url, token, "/room/0/messages?size=5");
    expect(history.status).toBe(200);
    expect(history.body[0].message).toBe("deploy finished");
    const otherRoom = privateRoomId(admin.id, member.id);
    expect((await asBot(a.url, token, `/room/${otherRoom}/messages`, { message: "hi" })).status).toBe(403);
    expect((await asBot(a.url, token, "/room/0/messages", { message: "   " })).status).toBe(400);
    // A bot does not manage bots.
    expect((await asBot(a.url, token, "/bots")).status).toBe(403);
  });

  it("signed-in people post over REST too", async () => {
    const res = await api(a.url, "/room/0/messages", member.cookie, { method: "POST", body: JSON.stringify({ message: "from curl" }) });
    expect(res.status).toBe(201);
    expect(res.body.from).toBe(member.id);
  });

  it("rotating a token revokes the old one at once on every instance; deleting the bot revokes the new one", async () => {
    const created = await adminCall(a.url, "POST", "/bots", { name: "rotator" });
    const { id, token: oldToken } = created.body as { id: number; token: string };
    expect((await asBot(b.url, oldToken, "/room/0/messages", { message: "one" })).status).toBe(201);

    const rotated = await adminCall(a.url, "POST", `/bots/${id}/token`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ id, username: "rotator", token: expect.stringMatching(/^rcb_/) });
    const newToken = rotated.body.token as string;
    expect(newToken).not.toBe(oldToken);
    for (const url of [a.url, b.url]) {
      const refused = await asBot(url, oldToken, "/room/0/messages", { message: "old" });
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ message: "Invalid or revoked token" });
      expect((await asBot(url, newToken, "/room/0/messages", { message: "new" })).status).toBe(201);
    }

    expect((await adminCall(b.url, "DELETE", `/bots/${id}`)).status).toBe(204);
    for (const url of [a.url, b.url]) expect((await asBot(url, newToken, "/room/0/messages", { message: "gone" })).status).toBe(401);
    expect((await adminCall(a.url, "GET", "/bots")).body.map((bot: { id: number }) => bot.id)).not.toContain(id);
    expect((await adminCall(a.url, "DELETE", `/bots/${id}`)).status).toBe(404);
    expect((await adminCall(a.url, "POST", `/bots/${id}/token`)).status).toBe(404);
    // Its messages keep their author; nobody can sign in as it.
    expect(await db.raw.hGet(`user:${id}`, "username")).toBe("rotator");
    const signIn = await api(a.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: "rotator", password: "!" }) });
    expect(signIn.status).toBe(401);
  });
});
