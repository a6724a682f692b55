import { describe, expect, it } from "vitest";
import { startChatServerProcess } from "./support/chat-server.js";
import { connect, eventually, login } from "./support/chat-client.js";
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
