import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { api, login } from "../support/chat-client.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";

let redis: RedisServerHandle;
let server: RunningChatServer;
let raw: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startRedis();
  server = await startChatServer({ redisUrl: redis.url });
  raw = createClient({ url: redis.url });
  await raw.connect();
});
afterAll(async () => {
  await raw?.close();
  await server?.close();
  await redis?.kill();
});

const post = (path: string, body: unknown, cookie?: string) =>
  api(server.url, path, cookie, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });

describe("POST /login", () => {
  it("registers an unknown username with 201 and the seed's keys", async () => {
    const res = await post("/login", { username: "newcomer", password: "longenough" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), username: "newcomer" });
    const id = res.body.id;
    expect(await raw.get("username:newcomer")).toBe(`user:${id}`);
    expect(await raw.hGet(`user:${id}`, "username")).toBe("newcomer");
    expect(await raw.sMembers(`user:${id}:rooms`)).toEqual(["0"]);
    expect(await raw.get("total_users")).toBe(String(id));
  });

  it("stores a standard $2b$ bcrypt hash of cost 10, never the password", async () => {
    const { body } = await post("/login", { username: "hashme", password: "secret-password" });
    const hash = await raw.hGet(`user:${body.id}`, "password");
    expect(hash).toMatch(/^\$2b\$10\$[./A-Za-z0-9]{53}$/);
  });

  it("signs in a known user with the right password with 200", async () => {
    await post("/login", { username: "returning", password: "password123" });
    const res = await post("/login", { username: "returning", password: "password123" });
    expect(res.status).toBe(200);
    expect(res.body.username).toBe("returning");
  });

  it("signs a name typed in another case in to the existing account, under its own spelling", async () => {
    const first = await post("/login", { username: "Marguerite", password: "password123" });
    const again = await post("/login", { username: "marguerite", password: "password123" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: first.body.id, username: "Marguerite" });
    expect(await raw.exists("username:marguerite")).toBe(0);
    const wrong = await post("/login", { username: "MARGUERITE", password: "not-the-password" });
    expect(wrong.status).toBe(401);
  });

  it("refuses a wrong password with 401 and a message, and sets no session", async () => {
    await post("/login", { username: "guarded", password: "password123" });
    const res = await post("/login", { username: "guarded", password: "not-the-password" });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: expect.stringMatching(/invalid username or password/i) });
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("sets an HttpOnly, SameSite=Lax session cookie backed by a session in Redis", async () => {
    const res = await post("/login", { username: "cookie_user", password: "password123" });
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^sid=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const sessions = await raw.keys("session:*");
    const stored = await Promise.all(sessions.map((key) => raw.get(key)));
    expect(stored.map((s) => JSON.parse(s!).username)).toContain("cookie_user");
  });

  it("refuses a new account with a password shorter than 8 characters", async () => {
    const res = await post("/login", { username: "shortpw", password: "1234567" });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/8 characters/);
    expect(await raw.exists("username:shortpw")).toBe(0);
  });

  it.each([
    ["a username with spaces", { username: "two words", password: "password123" }],
    ["an empty username", { username: "", password: "password123" }],
    ["a username over 32 characters", { username: "x".repeat(33), password: "password123" }],
    ["a number for username", { username: 42, password: "password123" }],
    ["an object for password", { username: "objpw", password: { $gt: "" } }],
    ["a missing password", { username: "nopw" }],
    ["an array body", [1, 2, 3]],
  ])("refuses %s with 400 and a JSON message, storing nothing", async (_name, body) => {
    const before = await raw.dbSize();
    const res = await post("/login", body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: expect.any(String) });
    expect(await raw.dbSize()).toBe(before);
  });

  it("refuses malformed JSON with 400", async () => {
    const res = await post("/login", "{not json");
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.any(String));
  });

  it("refuses a body over 1 MB with 413 JSON", async () => {
    const res = await post("/login", { username: "big", password: "x".repeat(1_100_000) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ message: expect.any(String) });
  });

  it("treats concurrent registrations of one name as one account", async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => post("/login", { username: "racer", password: "password123" })),
    );
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
  });
});

describe("session", () => {
  it("GET /me answers the session user, or null without a session", async () => {
    const { cookie, user } = await login(server.url, "me_user");
    // With the role (issue 9): this server's first account made by a person is its administrator.
    expect((await api(server.url, "/me", cookie)).body).toEqual({ ...user, role: expect.stringMatching(/^(admin|member)$/) });
    const anonymous = await api(server.url, "/me");
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toBeNull();
  });

  it("POST /logout destroys the session in Redis", async () => {
    const { cookie } = await login(server.url, "leaver");
    const before = await raw.keys("session:*");
    expect((await post("/logout", {}, cookie)).status).toBe(200);
    expect((await api(server.url, "/me", cookie)).body).toBeNull();
    expect((await api(server.url, "/users/online", cookie)).status).toBe(401);
    expect((await raw.keys("session:*")).length).toBe(before.length - 1);
  });

  it("ignores a forged cookie", async () => {
    const res = await api(server.url, "/users/online", "sid=forged.value");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: expect.any(String) });
  });
});
