import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis, signUp } from "../resilience/helpers.js";

/**
 * Sign-in limits that an attacker cannot turn against the victim: failed attempts are counted per
 * (username, client address), cleared by a success, and an address failing across many names is
 * blocked for longer. The address comes from X-Forwarded-For only with TRUST_PROXY.
 */
let redis: RedisServerHandle;
let direct: RunningChatServer;
let proxied: RunningChatServer;

const limits = { loginRateLimit: 3, loginRateLimitPerAddress: 6, loginRateWindowMs: 60_000, loginAddressBlockMs: 600_000 };

beforeAll(async () => {
  redis = await startRedis();
  [direct, proxied] = await Promise.all([
    startChatServer({ redisUrl: redis.url, ...limits, trustProxy: false }),
    startChatServer({ redisUrl: redis.url, ...limits, trustProxy: true }),
  ]);
  await signUp(direct.url, "owner", "owner2", "owner3", "owner4", "owner5", "owner6", "owner7", "owner8");
});
afterAll(async () => {
  await Promise.all([direct?.close(), proxied?.close()]);
  await redis?.kill();
});

const attempt = (url: string, username: string, password: string, from?: string) =>
  api(url, "/login", undefined, {
    method: "POST",
    body: JSON.stringify({ username, password }),
    headers: from ? { "x-forwarded-for": from } : {},
  });

describe("failed sign-ins per (username, address)", () => {
  it("an attacker's wrong passwords from its own address do not lock the owner out", async () => {
    for (let i = 0; i < 3; i++) expect((await attempt(proxied.url, "owner", `guess-${i}`, "198.51.100.66")).status).toBe(401);
    const attacker = await attempt(proxied.url, "owner", "password123", "198.51.100.66");
    expect(attacker.status).toBe(429);
    expect(Number(attacker.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await attempt(proxied.url, "owner", "password123", "192.0.2.10")).status).toBe(200);
  });

  it("only failures count: signing in many times never limits anyone", async () => {
    for (let i = 0; i < 8; i++) expect((await attempt(proxied.url, "owner2", "password123", "192.0.2.20")).status).toBe(200);
  });

  it("a success clears the failures of that (name, address)", async () => {
    const from = "192.0.2.30";
    for (let i = 0; i < 2; i++) expect((await attempt(proxied.url, "owner3", "typo", from)).status).toBe(401);
    expect((await attempt(proxied.url, "owner3", "password123", from)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await attempt(proxied.url, "owner3", "typo", from)).status).toBe(401);
    expect((await attempt(proxied.url, "owner3", "password123", from)).status).toBe(200);
  });

  it("parallel guesses cannot all slip in before the first failure is counted", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => attempt(proxied.url, "owner4", `parallel-${i}`, "198.51.100.77")),
    );
    expect(results.filter((r) => r.status === 401)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });
});

describe("an address failing across many names", () => {
  it("is blocked for longer than the window, for every name, the right password included", async () => {
    const from = "203.0.113.99";
    const names = ["owner5", "owner6", "owner7", "owner8", "owner5", "owner6"];
    for (const name of names) expect((await attempt(proxied.url, name, "wrong-password", from)).status).toBe(401);
    const refused = await attempt(proxied.url, "owner7", "password123", from);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ message: expect.stringMatching(/too many failed sign-in attempts/i) });
    // The block (10 minutes) outlasts the one-minute window.
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
    // Another address is not affected.
    expect((await attempt(proxied.url, "owner7", "password123", "192.0.2.40")).status).toBe(200);
  });
});

describe("TRUST_PROXY decides whether X-Forwarded-For is the client address", () => {
  it("without it, a changing X-Forwarded-For does not escape the limit (the socket address counts)", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await attempt(direct.url, "owner8", `spoof-${i}`, `203.0.113.${i + 1}`)).status).toBe(401);
    }
    expect((await attempt(direct.url, "owner8", "password123", "203.0.113.200")).status).toBe(429);
  });

  it("with it, each X-Forwarded-For client is counted on its own", async () => {
    for (let i = 0; i < 3; i++) expect((await attempt(proxied.url, "owner2", `x-${i}`, "192.0.2.50")).status).toBe(401);
    expect((await attempt(proxied.url, "owner2", "password123", "192.0.2.51")).status).toBe(200);
  });

  it("keeps its counters in Redis under ratelimit:login-fail:*", async () => {
    const raw = await rawRedis(redis.url);
    const found = await raw.keys("ratelimit:login-fail:*");
    await raw.close();
    expect(found.some((k) => k.startsWith("ratelimit:login-fail:name:owner"))).toBe(true);
    expect(found.some((k) => k.startsWith("ratelimit:login-fail:addr:"))).toBe(true);
  });
});
