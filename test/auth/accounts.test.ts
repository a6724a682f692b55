import { hash } from "@node-rs/bcrypt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis } from "../resilience/helpers.js";

let redis: RedisServerHandle;
let servers: RunningChatServer[];
let raw: Awaited<ReturnType<typeof rawRedis>>;

beforeAll(async () => {
  redis = await startRedis();
  servers = await Promise.all([startChatServer({ redisUrl: redis.url }), startChatServer({ redisUrl: redis.url })]);
  raw = await rawRedis(redis.url);
});
afterAll(async () => {
  await raw?.close();
  await Promise.all(servers.map((s) => s.close()));
  await redis?.kill();
});

const post = (url: string, body: unknown) => api(url, "/login", undefined, { method: "POST", body: JSON.stringify(body) });

/** Every user id whose stored name is `name` in any case. */
async function accountsNamed(name: string): Promise<number[]> {
  const total = Number(await raw.get("total_users"));
  const ids: number[] = [];
  for (let id = 1; id <= total; id++) {
    const username = await raw.hGet(`user:${id}`, "username");
    if (username?.toLowerCase() === name.toLowerCase()) ids.push(id);
  }
  return ids;
}

/** The 2^n spellings of a name in upper and lower case. */
function caseVariants(name: string): string[] {
  let out = [""];
  for (const ch of name) out = out.flatMap((p) => (ch.toLowerCase() === ch.toUpperCase() ? [p + ch] : [p + ch.toLowerCase(), p + ch.toUpperCase()]));
  return out;
}

describe("one account per name, whatever the timing", () => {
  it("20 concurrent sign-ups of case variants, over two instances, create exactly one account", async () => {
    const variants = caseVariants("casey0").slice(0, 20);
    const results = await Promise.all(
      variants.map((username, i) => post(servers[i % 2]!.url, { username, password: "password123" })),
    );
    const accounts = await accountsNamed("casey0");
    expect(accounts).toHaveLength(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.body.id))).toEqual(new Set(accounts));
    const owner = results.find((r) => r.status === 201)!.body.username;
    expect(results.every((r) => r.body.username === owner)).toBe(true);
    expect(await raw.get("usernames:claim:casey0")).toBe(String(accounts[0]));
    // No user hash is left behind by the losers.
    expect(await raw.keys("user:*")).toEqual(expect.arrayContaining([`user:${accounts[0]}`]));
    const hashes = (await raw.keys("user:*")).filter((k) => /^user:\d+$/.test(k));
    const names = await Promise.all(hashes.map((k) => raw.hGet(k, "username")));
    expect(names.filter((n) => n?.toLowerCase() === "casey0")).toHaveLength(1);
  });

  it("the loser of a race with a different password is refused, not given an account", async () => {
    const [a, b] = await Promise.all([
      post(servers[0]!.url, { username: "Dana1", password: "password-one" }),
      post(servers[1]!.url, { username: "dana1", password: "password-two" }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 401]);
    expect(await accountsNamed("dana1")).toHaveLength(1);
  });

  it("a database that already holds two accounts differing only in case keeps working", async () => {
    // As two seed servers (or an older redis-chat) could have written them.
    const passwordHash = await hash("password123", 10);
    const upper = await raw.incr("total_users");
    await raw.hSet(`user:${upper}`, { username: "Twin", password: passwordHash });
    await raw.set("username:Twin", `user:${upper}`);
    const lower = await raw.incr("total_users");
    await raw.hSet(`user:${lower}`, { username: "twin", password: await hash("other-password", 10) });
    await raw.set("username:twin", `user:${lower}`);
    await raw.zAdd("usernames:index", [
      { score: 0, value: `twin:${upper}` },
      { score: 0, value: `twin:${lower}` },
    ]);
    // Each exact spelling signs in to its own account...
    expect((await post(servers[0]!.url, { username: "Twin", password: "password123" })).body.id).toBe(upper);
    expect((await post(servers[0]!.url, { username: "twin", password: "other-password" })).body.id).toBe(lower);
    // ...another spelling means the first in the name index, and nothing creates a third.
    const third = await post(servers[1]!.url, { username: "TWIN", password: "password123" });
    expect(third.status).toBe(200);
    expect(third.body.id).toBe(upper);
    expect(await accountsNamed("twin")).toEqual([upper, lower]);
  });
});

describe("passwords of at most 72 bytes", () => {
  it("refuses a new password over 72 bytes with a clear 400, storing nothing", async () => {
    const before = await raw.dbSize();
    const res = await post(servers[0]!.url, { username: "longpass", password: "A".repeat(73) });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/72 bytes/);
    expect(await raw.dbSize()).toBe(before);
  });

  it("counts UTF-8 bytes, not characters: 19 emoji (76 bytes, 38 UTF-16 units) are too long", async () => {
    const res = await post(servers[0]!.url, { username: "emojipass", password: "🔑".repeat(19) });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/72 bytes/);
    const fits = await post(servers[0]!.url, { username: "emojipass", password: "🔑".repeat(18) });
    expect(fits.status).toBe(201);
  });

  it("a 72-byte password signs in, and that password plus anything does not", async () => {
    const password = "A".repeat(72);
    expect((await post(servers[0]!.url, { username: "exact72", password })).status).toBe(201);
    expect((await post(servers[0]!.url, { username: "exact72", password })).status).toBe(200);
    const longer = await post(servers[0]!.url, { username: "exact72", password: password + "anything" });
    expect(longer.status).toBe(400);
    expect(longer.headers.get("set-cookie")).toBeNull();
  });

  it("keeps $2b$ hashes", async () => {
    const { body } = await post(servers[0]!.url, { username: "hash2b", password: "password123" });
    expect(await raw.hGet(`user:${body.id}`, "password")).toMatch(/^\$2b\$10\$/);
  });
});
