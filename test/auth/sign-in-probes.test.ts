import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";

/** Unknown-name sign-in probes count toward the per-address limit (issue 14). */
describe("sign-in probes of unknown names", () => {
  const db = usePrivateRedis();
  let server: RunningChatServer;
  beforeAll(async () => {
    server = await startChatServer({ redisUrl: db.redis.url, loginRateLimitPerAddress: 5, loginRateLimit: 100 });
  });
  afterAll(async () => server?.close());

  const probe = (username: string) =>
    fetch(`${server.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password: "password123", createAccount: false }),
    });

  it("each 404 for an unknown name counts as a failed sign-in of the address, which is then refused with 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await probe(`nobody${i}`)).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429]);
    const refused = await probe("nobody-else");
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
