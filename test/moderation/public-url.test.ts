import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/** POST /invites with a Host header of the caller's choosing (fetch does not let a caller set Host). */
function inviteWithHost(base: string, cookie: string, host: string): Promise<{ status: number; body: { url: string } }> {
  const url = new URL("/invites", base);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { host, cookie, "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on("error", reject);
    req.end("{}");
  });
}

/** Absolute links come from PUBLIC_URL, never from the request's Host header (issue 14). */
describe("links the server makes", () => {
  const db = usePrivateRedis();
  let configured: RunningChatServer, production: RunningChatServer, development: RunningChatServer;
  let admin: SignedIn;

  beforeAll(async () => {
    configured = await startChatServer({ redisUrl: db.redis.url, publicUrl: "https://chat.example.com/team/" });
    production = await startChatServer({ redisUrl: db.redis.url, production: true });
    development = await startChatServer({ redisUrl: db.redis.url });
    [admin] = await signUp(configured.url, "boss");
    await db.raw.hSet(`user:${admin.user.id}`, "role", "admin");
  });
  afterAll(async () => {
    await Promise.all([configured, production, development].map((s) => s?.close()));
  });

  it("an invitation link is built from PUBLIC_URL whatever Host the request names", async () => {
    const res = await inviteWithHost(configured.url, admin.cookie, "evil.example");
    expect(res.status).toBe(201);
    expect(res.body.url).toMatch(/^https:\/\/chat\.example\.com\/team\/\?invite=[A-Za-z0-9_-]+$/);
  });

  it("in production without PUBLIC_URL the link is relative to the site, never naming the requested Host", async () => {
    const res = await inviteWithHost(production.url, admin.cookie, "evil.example");
    expect(res.status).toBe(201);
    expect(res.body.url).toMatch(/^\/\?invite=[A-Za-z0-9_-]+$/);
  });

  it("in development without PUBLIC_URL the host that was asked is used", async () => {
    const res = await inviteWithHost(development.url, admin.cookie, "localhost:5173");
    expect(res.body.url).toMatch(/^http:\/\/localhost:5173\/\?invite=/);
  });

  it("PUBLIC_URL must be an http(s) URL", async () => {
    const { loadConfig } = await import("../../src/server/config.js");
    expect(loadConfig({ PUBLIC_URL: "https://chat.example.com" }).publicUrl).toBe("https://chat.example.com/");
    expect(() => loadConfig({ PUBLIC_URL: "javascript:alert(1)" })).toThrow(/PUBLIC_URL/);
  });
});
