import * as Ajv2020Module from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateRoomId } from "../../src/protocol/index.js";
import { api } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/server/config.js";
import sharp from "sharp";

// ajv is CommonJS: its class is the default export's `default`.
const Ajv2020 = Ajv2020Module.Ajv2020;

type Operation = { responses: Record<string, { content?: Record<string, { schema?: object }> }> };
type Spec = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** Routes left out of the spec on purpose; any other hidden route fails the test. */
const HIDDEN = new Set(["GET /openapi.json", "HEAD /openapi.json", "GET /", "HEAD /"]);

/** `/room/:id/messages` -> `/room/{id}/messages` */
const specPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

/**
 * The API contract cannot drift: every route is in GET /openapi.json with response schemas, and a
 * scripted session that calls every operation (successes and refusals) gets answers that the spec's
 * schemas accept. A route added later is covered without touching this file's checks: it fails
 * here until it is in the spec and the script below calls it.
 */
describe("OpenAPI contract", () => {
  const db = usePrivateRedis();
  let server: RunningChatServer;
  let spec: Spec;
  let attachmentDir: string;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  /** "METHOD /spec/path" -> statuses seen */
  const exercised = new Map<string, Set<number>>();
  const mismatches: string[] = [];

  const matchOperation = (method: string, path: string): string | undefined => {
    const candidates = Object.keys(spec.paths).filter((p) => spec.paths[p]![method.toLowerCase()]);
    const exact = candidates.find((p) => p === path);
    if (exact) return exact;
    return candidates.find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path));
  };

  /** Calls the API and checks the answer against the spec's schema for its status. */
  const call = async (method: string, path: string, init: { cookie?: string; token?: string; body?: unknown; form?: FormData } = {}) => {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const res = init.form
      ? await multipart(method, path, init.cookie, init.form)
      : await api(server.url, path, init.cookie, {
          method,
          headers,
          ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        });
    const route = matchOperation(method, path.split("?")[0]!);
    const where = `${method} ${path} -> ${res.status}`;
    if (!route) {
      mismatches.push(`${where}: no such operation in the spec`);
      return res;
    }
    const key = `${method} ${route}`;
    if (!exercised.has(key)) exercised.set(key, new Set());
    exercised.get(key)!.add(res.status);
    const responses = spec.paths[route]![method.toLowerCase()]!.responses;
    const described = responses[String(res.status)] ?? responses[`${String(res.status)[0]}XX`] ?? responses.default;
    const schema = described?.content?.["application/json"]?.schema;
    if (!schema) {
      if (res.status !== 204) mismatches.push(`${where}: the spec describes no JSON answer for this status`);
      return res;
    }
    const validate = ajv.compile(schema);
    if (!validate(res.body)) mismatches.push(`${where}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(res.body).slice(0, 200)}`);
    return res;
  };

  /** A multipart POST or PUT (file uploads), answered as `api` answers. */
  const multipart = async (method: string, path: string, cookie: string | undefined, form: FormData) => {
    const res = await fetch(`${server.url}${path}`, { method, headers: cookie ? { cookie } : {}, body: form });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text), headers: res.headers };
  };

  /** A GET answered with bytes (files): the spec describes its status by content type, not JSON. */
  const callForBytes = async (route: string, path: string, cookie: string, headers: Record<string, string> = {}, type = "application/octet-stream") => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie, ...headers } });
    await res.arrayBuffer();
    const responses = spec.paths[route]!.get!.responses;
    if (!responses[String(res.status)]?.content?.[type]) mismatches.push(`GET ${path} -> ${res.status}: not described as bytes`);
    const key = `GET ${route}`;
    if (!exercised.has(key)) exercised.set(key, new Set());
    exercised.get(key)!.add(res.status);
    return res;
  };

  beforeAll(async () => {
    attachmentDir = mkdtempSync(join(tmpdir(), "openapi-files-"));
    server = await startChatServer({
      redisUrl: db.redis.url,
      clientDir: "/nonexistent",
      metricsToken: "metrics-token-0123456789",
      attachments: { ...loadConfig({}).attachments, dir: attachmentDir },
    });
    spec = (await api(server.url, "/openapi.json")).body as Spec;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(attachmentDir, { recursive: true, force: true });
  });

  it("serves OpenAPI 3.1 with every visible route, each with a success and an error schema", async () => {
    expect(spec.openapi).toBe("3.1.0");
    const catalog = server.instance.app.routeCatalog;
    const hidden = catalog.filter((r) => r.hidden).map((r) => `${r.method} ${r.url}`);
    expect(hidden.filter((r) => !HIDDEN.has(r) && !r.endsWith(" /metrics"))).toEqual([]);
    for (const route of catalog.filter((r) => !r.hidden && r.method !== "HEAD")) {
      const operation = spec.paths[specPath(route.url)]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.url} is missing from /openapi.json`).toBeDefined();
      const statuses = Object.keys(operation!.responses);
      expect(statuses.some((s) => s.startsWith("2")), `${route.method} ${route.url} has no 2xx response schema`).toBe(true);
      expect(statuses.some((s) => s.startsWith("4")), `${route.method} ${route.url} has no 4xx response schema`).toBe(true);
    }
  });

  it("every operation's real answers, in a scripted session, are described by the spec", async () => {
    // Anonymous.
    await call("GET", "/healthz");
    await call("GET", "/readyz");
    await call("GET", "/links");
    await call("GET", "/randomname");
    await call("GET", "/me");
    await call("GET", "/users/online"); // 401
    await call("POST", "/login", { body: { username: "" } }); // 400
    const [boss, mary] = await signUp(server.url, "boss", "mary");
    await db.raw.hSet(`user:${boss.user.id}`, "role", "admin");
    await call("POST", "/login", { body: { username: "boss", password: "password123" } });
    await call("POST", "/login", { body: { username: "newcomer", password: "password123" } });
    await call("POST", "/login", { body: { username: "boss", password: "wrong-password" } });
    const cookie = boss.cookie;

    await call("GET", "/me", { cookie });
    await call("GET", `/users?ids=${boss.user.id}&ids=${mary.user.id}`, { cookie });
    await call("GET", "/users/online", { cookie });
    await call("GET", "/users/search?q=m", { cookie });
    await call("GET", `/rooms/${boss.user.id}`, { cookie });
    await call("GET", `/rooms/${mary.user.id}`, { cookie }); // 403
    const room = await call("POST", "/room", { cookie, body: { user1: boss.user.id, user2: mary.user.id } });
    expect(room.status).toBe(201);
    await call("POST", "/room", { cookie, body: { user1: boss.user.id, user2: 9999 } }); // 404
    const posted = await call("POST", "/room/0/messages", { cookie, body: { message: "hello @mary", clientId: "c-1" } });
    await call("POST", "/room/0/messages", { cookie, body: { message: "hello @mary", clientId: "c-1" } }); // 200
    await call("POST", `/room/${privateRoomId(mary.user.id, 9999)}/messages`, { cookie, body: { message: "x" } }); // 403
    const id = posted.body.id as string;
    await call("POST", "/room/0/messages", { cookie, body: { message: "a reply", replyTo: id } });
    await call("GET", "/room/0/messages?size=5", { cookie });
    await call("GET", `/room/0/messages?after=${id}`, { cookie });
    await call("GET", "/search?q=hello%20from:boss&limit=5", { cookie });
    await call("GET", `/room/0/messages?around=${id}&size=5`, { cookie });
    await call("GET", "/room/0/messages?around=1000000000000000", { cookie }); // 404
    await call("PUT", `/room/0/pins/${id}`, { cookie });
    await call("GET", "/room/0/pins", { cookie });
    await call("DELETE", `/room/0/pins/${id}`, { cookie });
    await call("PUT", `/me/saved/0/${id}`, { cookie });
    await call("GET", "/me/saved", { cookie });
    await call("DELETE", `/me/saved/0/${id}`, { cookie });
    await call("PUT", "/me/saved/0/1000000000000000", { cookie }); // 404
    await call("GET", "/search?q=hello&has=maybe", { cookie }); // 400
    await call("GET", "/search?q=hello&has=image", { cookie });
    await call("GET", "/search?q=hello%20in:%23nowhere", { cookie }); // 400: names none of one's rooms
    await call("GET", `/room/0/messages/${id}`, { cookie });
    await call("GET", "/room/0/messages/1", { cookie }); // 404
    await call("PATCH", `/room/0/messages/${id}`, { cookie, body: { message: "hello again" } });
    await call("PUT", `/room/0/messages/${id}/reactions/${encodeURIComponent("👍")}`, { cookie });
    await call("DELETE", `/room/0/messages/${id}/reactions/${encodeURIComponent("👍")}`, { cookie });
    await call("DELETE", `/room/0/messages/${id}/previews`, { cookie });
    await call("DELETE", `/room/0/messages/${id}/previews`, { cookie: mary.cookie }); // 403: not the author
    await call("GET", "/room/0/changes", { cookie });
    await call("DELETE", `/room/0/messages/${id}`, { cookie });

    // Files: multipart in, bytes out (described by content type, like /stream).
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(Buffer.from("contract file bytes"))]), "contract.txt");
    await call("GET", "/attachments/limits", { cookie });
    const file = await call("POST", "/room/0/attachments", { cookie, form });
    expect(file.status).toBe(201);
    await call("POST", "/room/0/attachments", { cookie, body: { file: "not multipart" } }); // 415
    await call("POST", `/room/${privateRoomId(mary.user.id, 9999)}/attachments`, { cookie, form: new FormData() }); // 403
    await call("POST", "/room/0/messages", { cookie, body: { message: "a file", attachments: [file.body.id] } });
    const filePath = `/room/0/attachments/${file.body.id}`;
    await callForBytes("/room/{id}/attachments/{attachmentId}", filePath, cookie);
    await callForBytes("/room/{id}/attachments/{attachmentId}", filePath, cookie, { range: "bytes=0-3" }); // 206
    await call("GET", `/room/0/attachments/${"A".repeat(22)}`, { cookie }); // 404
    await call("GET", `${filePath}/thumbnail`, { cookie }); // 404: not an image

    // Bots.
    await call("POST", "/bots", { cookie: mary.cookie, body: { name: "nope" } }); // 403
    const bot = await call("POST", "/bots", { cookie, body: { name: "ci" } });
    await call("POST", "/bots", { cookie, body: { name: "ci" } }); // 409
    await call("GET", "/bots", { cookie });
    await call("PATCH", `/bots/${bot.body.id}`, { cookie, body: { webhookUrl: "http://127.0.0.1/x" } }); // 400
    await call("PATCH", `/bots/${bot.body.id}`, { cookie, body: { webhookUrl: null } });
    const rotated = await call("POST", `/bots/${bot.body.id}/token`, { cookie });
    await call("POST", "/room/0/messages", { token: rotated.body.token, body: { message: "from the bot" } });
    await call("POST", "/room/0/messages", { token: bot.body.token, body: { message: "revoked" } }); // 401
    await call("DELETE", `/bots/${bot.body.id}`, { cookie });
    await call("DELETE", `/bots/${bot.body.id}`, { cookie }); // 404

    // The SSE stream: described by content type, not JSON.
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/stream`, { headers: { cookie }, signal: controller.signal });
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    expect(spec.paths["/stream"]!.get!.responses["200"]!.content!["text/event-stream"]).toBeDefined();
    exercised.set("GET /stream", new Set([stream.status]));
    controller.abort();

    // Rooms people make, read state.
    const made = await call("POST", "/rooms", { cookie, body: { name: "contract-room", topic: "drift" } });
    const roomId = made.body.id as string;
    await call("GET", "/rooms", { cookie });
    await call("GET", `/room/${roomId}`, { cookie });
    await call("PATCH", `/room/${roomId}`, { cookie, body: { topic: "no drift" } });
    await call("POST", `/room/${roomId}/join`, { cookie: mary.cookie });
    await call("POST", `/room/${roomId}/leave`, { cookie: mary.cookie });
    await call("PUT", `/room/${roomId}/members/${mary.user.id}`, { cookie });
    const inRoom = await call("POST", `/room/${roomId}/messages`, { cookie, body: { message: "in the new room" } });
    await call("PUT", `/room/${roomId}/read`, { cookie: mary.cookie, body: { messageId: inRoom.body.id } });
    await call("DELETE", `/room/${roomId}/members/${mary.user.id}`, { cookie });
    await call("DELETE", `/room/${roomId}`, { cookie });
    await call("GET", `/room/${roomId}`, { cookie }); // 404

    // Moderation and registration.
    await call("GET", "/registration");
    const account = await call("POST", "/admin/users", { cookie, body: { username: "troll", password: "password123" } });
    await call("POST", `/users/${account.body.id}/ban`, { cookie, body: { reason: "contract test" } });
    await call("DELETE", `/users/${account.body.id}/ban`, { cookie });
    await call("POST", `/users/${account.body.id}/ban`, { cookie: mary.cookie, body: {} }); // 403
    await call("GET", "/admin/audit", { cookie });
    const invite = await call("POST", "/invites", { cookie, body: { maxUses: 2, expiresInHours: 1 } });
    await call("GET", "/invites", { cookie });
    await call("GET", `/invites/${invite.body.code}/state`);
    await call("DELETE", `/invites/${invite.body.code}`, { cookie });

    // A team's own place (issue 18): setup, settings, profiles, passwords, people, accounts.
    await call("GET", "/setup");
    await call("POST", "/setup", { body: { placeName: "Contract", username: "first", password: "password123" } }); // 409
    await call("GET", "/place/settings", { cookie });
    await call("PATCH", "/place/settings", { cookie, body: { placeName: "Contract place" } });
    await call("PATCH", "/place/settings", { cookie: mary.cookie, body: { placeName: "Nope" } }); // 403
    await call("GET", "/me/profile", { cookie });
    await call("PATCH", "/me/profile", { cookie, body: { displayName: "The Boss", timeZone: "Europe/Paris" } });
    await call("PATCH", "/me/profile", { cookie, body: { timeZone: "Nowhere/Land" } }); // 400
    await call("GET", `/users/${mary.user.id}/profile`, { cookie });
    await call("GET", "/users/99999/profile", { cookie }); // 404
    await call("GET", "/people?q=m", { cookie });
    await call("PUT", `/users/${mary.user.id}/presence-alert`, { cookie, body: { on: true } });
    await call("PUT", `/users/${boss.user.id}/presence-alert`, { cookie, body: { on: true } }); // 400: oneself
    await call("GET", "/me/presence-alerts", { cookie });
    // Profile pictures: multipart in, WebP out.
    const picture = new FormData();
    picture.append("file", new Blob([new Uint8Array(await sharp({ create: { width: 40, height: 30, channels: 3, background: "#336699" } }).png().toBuffer())]), "me.png");
    const withPicture = await call("PUT", "/me/avatar", { cookie, form: picture });
    expect(withPicture.status).toBe(200);
    const notPicture = new FormData();
    notPicture.append("file", new Blob([new Uint8Array(Buffer.from("plain text"))]), "me.png");
    await call("PUT", "/me/avatar", { cookie, form: notPicture }); // 415
    await callForBytes("/users/{id}/avatar", `${withPicture.body.avatarUrl}&size=64`, cookie, {}, "image/webp");
    await call("GET", `/users/${mary.user.id}/avatar`, { cookie }); // 404: no picture
    await call("DELETE", `/users/${boss.user.id}/avatar`, { cookie: mary.cookie }); // 403
    await call("DELETE", `/users/${boss.user.id}/avatar`, { cookie });
    await call("DELETE", "/me/avatar", { cookie });
    await call("GET", "/admin/users?role=member", { cookie });
    await call("POST", "/admin/demo-accounts/deactivate", { cookie: mary.cookie, body: {} }); // 403: administrators only
    await call("PATCH", `/users/${account.body.id}`, { cookie, body: { deactivated: true } });
    await call("PATCH", `/users/${boss.user.id}`, { cookie, body: { role: "member" } }); // 409: the last administrator
    const reset = await call("POST", `/users/${mary.user.id}/password-reset`, { cookie });
    const token = new URL(reset.body.url).searchParams.get("reset")!;
    await call("GET", `/password-reset/${token}`);
    await call("POST", "/password-reset", { body: { token, newPassword: "password123" } });
    await call("POST", "/password-reset", { body: { token, newPassword: "password123" } }); // 404
    await call("GET", `/password-reset/${token}`); // 404: used
    await call("PUT", "/me/password", { cookie, body: { currentPassword: "wrong-password", newPassword: "password1234" } }); // 403
    await call("PUT", "/me/password", { cookie, body: { currentPassword: "password123", newPassword: "password123" } });

    // Notifications and Web Push (subscribed last: no message is stored after it, so nothing is pushed).
    await call("GET", "/push/key");
    await call("GET", "/notifications", { cookie });
    await call("PUT", "/room/0/notifications", { cookie, body: { level: "none" } });
    await call("GET", "/room/0/notifications", { cookie });
    await call("PUT", "/notifications/default", { cookie, body: { level: "all" } });
    await call("PUT", "/notifications/default", { cookie, body: { level: "loud" } }); // 400
    await call("GET", `/room/${privateRoomId(mary.user.id, 9999)}/notifications`, { cookie }); // 403
    const endpoint = "https://fcm.googleapis.com/fcm/send/openapi-contract-test";
    const keys = { p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString("base64url"), auth: Buffer.alloc(16, 9).toString("base64url") };
    await call("POST", "/push/subscriptions", { cookie, body: { endpoint, keys } });
    await call("POST", "/push/subscriptions", { cookie, body: { endpoint: "http://127.0.0.1/x", keys } }); // 400
    await call("DELETE", "/push/subscriptions", { cookie, body: { endpoint } });

    // Sessions: mary signs in twice more; ends one by handle, then the others, then everywhere.
    const second = await signUp(server.url, "mary");
    await signUp(server.url, "mary");
    const sessions = await call("GET", "/sessions", { cookie: second[0].cookie });
    const other = (sessions.body as { handle: string; current: boolean }[]).find((x) => !x.current)!;
    await call("DELETE", `/sessions/${other.handle}`, { cookie: second[0].cookie });
    await call("DELETE", `/sessions/${"x".repeat(16)}`, { cookie: second[0].cookie }); // 404
    await call("DELETE", "/sessions", { cookie: second[0].cookie });
    await call("POST", "/logout/everywhere", { cookie: second[0].cookie });

    await call("POST", "/logout", { cookie: mary.cookie });

    expect(mismatches).toEqual([]);
    const operations = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.filter((op) => !exercised.has(op)), "operations the script does not call").toEqual([]);
  });

  it("a response that does not match its schema is refused by the server (500), not sent", async () => {
    // The serializer checks answers against the route's schema: a drifted handler cannot ship.
    const { ChatMessage } = await import("../../src/protocol/index.js");
    const Fastify = (await import("fastify")).default;
    const { responseSerializerCompiler } = await import("../../src/server/http/openapi.js");
    const app = Fastify();
    app.setSerializerCompiler(responseSerializerCompiler);
    app.get("/drift", { schema: { response: { 200: ChatMessage } } }, async () => ({ id: 1, from: "x" }) as never);
    const res = await app.inject({ method: "GET", url: "/drift" });
    expect(res.statusCode).toBe(500);
    await app.close();
  });
});
