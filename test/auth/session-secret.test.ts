import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, connect, login } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis } from "../resilience/helpers.js";

/** Issue 8: with SESSION_SECRET unset, sessions survive a restart and instances share them. */
describe("the session secret without SESSION_SECRET", () => {
  let redis: RedisServerHandle;
  const open: RunningChatServer[] = [];
  // Without SESSION_SECRET, loadConfig draws a random one per process: so does each start here.
  const start = async (secret?: string) => {
    const server = await startChatServer({
      redisUrl: redis.url,
      ...(secret ? { sessionSecret: secret, sessionSecretGenerated: false } : { sessionSecret: randomBytes(32).toString("hex"), sessionSecretGenerated: true }),
    });
    open.push(server);
    return server;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await redis?.kill();
  });

  it("a cookie still works after the server restarts on the same Redis (HTTP and socket)", async () => {
    const first = await start();
    const { cookie, user } = await login(first.url, "restarter");
    await first.close();
    const second = await start();
    expect((await api(second.url, "/me", cookie)).body).toMatchObject(user);
    const socket = await connect(second.url, cookie);
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });

  it("two instances without configuration accept each other's cookies", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const atA = await login(a!.url, "wanderer");
    const atB = await login(b!.url, "roamer");
    expect((await api(b!.url, "/me", atA.cookie)).body).toMatchObject(atA.user);
    expect((await api(a!.url, "/me", atB.cookie)).body).toMatchObject(atB.user);
  });

  it("is generated once and kept in Redis under secrets:session", async () => {
    const raw = await rawRedis(redis.url);
    const secret = await raw.get("secrets:session");
    await raw.close();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a configured SESSION_SECRET wins over the stored one", async () => {
    const configured = await start("configured-secret-0123456789abcdef");
    const generated = await start();
    const { cookie, user } = await login(configured.url, "configured_user");
    expect((await api(configured.url, "/me", cookie)).body).toMatchObject(user);
    expect((await api(generated.url, "/me", cookie)).body).toBeNull();
  });
});
