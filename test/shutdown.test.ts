import { describe, expect, it } from "vitest";
import { connect as tcpConnect } from "node:net";
import { once } from "node:events";
import { CLOSE_GRACE_MS } from "../src/server/http/closing.js";
import { startChatServer, startChatServerProcess } from "./support/chat-server.js";
import { connect, eventually, login, sleep } from "./support/chat-client.js";
import { usePrivateRedis } from "./support/redis-server.js";

const db = usePrivateRedis();

describe.each(["SIGTERM", "SIGINT"] as const)("on %s", (signal) => {
  it("the server exits 0 and counts its users out of online_users", async () => {
    const server = await startChatServerProcess({ REDIS_URL: db.redis.url });
    const who = await login(server.url, `leaving_${signal}`);
    const socket = await connect(server.url, who.cookie);
    await eventually(async () => (await db.raw.sIsMember("online_users", String(who.user.id))) === 1);
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
    server.child.kill(signal);
    expect(await exited).toBe(0);
    expect(await db.raw.sIsMember("online_users", String(who.user.id))).toBe(0);
    expect(await db.raw.zCard("{online_users}:heartbeats")).toBe(0);
    socket.disconnect();
  });
});

/** Whether a new connection to `port` is refused (the server no longer listens). */
async function refused(port: number): Promise<boolean> {
  const probe = tcpConnect(port, "127.0.0.1");
  try {
    await once(probe, "connect");
    return false;
  } catch {
    return true;
  } finally {
    probe.destroy();
  }
}

describe("closing the server", () => {
  it("answers a request under way and then closes its connection, though the client keeps asking on it", async () => {
    const server = await startChatServer({ redisUrl: db.redis.url });
    const port = Number(new URL(server.url).port);
    const client = tcpConnect(port, "127.0.0.1");
    client.on("error", () => {});
    await once(client, "connect");
    let received = "";
    client.setEncoding("utf8").on("data", (data: string) => (received += data));
    // Under way when the close begins: the request's headers are not finished yet.
    client.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    await sleep(100);
    const started = Date.now();
    let closedAfter: number | undefined;
    const closing = server.close().then(() => (closedAfter = Date.now() - started));
    await eventually(() => refused(port), 5000, "the server to stop listening");
    client.write("\r\n");
    // As a page does (GET /me after each refused reconnection), asking again on the open connection.
    const asking = setInterval(() => {
      if (client.writable) client.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    }, 137);
    try {
      await Promise.race([closing, sleep(CLOSE_GRACE_MS + 5000)]);
    } finally {
      clearInterval(asking);
      client.destroy();
    }
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    // Closed when the connection fell idle, not cut at the end of the grace.
    expect(closedAfter, "the close ended").toBeDefined();
    expect(closedAfter).toBeLessThan(CLOSE_GRACE_MS);
  }, 30_000);
});
