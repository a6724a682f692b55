import { spawn } from "node:child_process";
import { io } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionClosing } from "../../src/protocol/index.js";
import { connect, eventually, send, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/** Tries a handshake; resolves to the connected socket or the connect_error. */
function tryConnect(url: string, cookie: string): Promise<{ socket: ClientSocket } | { error: Error & { data?: unknown } }> {
  const socket: ClientSocket = io(url, { transports: ["websocket"], extraHeaders: { cookie }, reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    socket.once("connect", () => resolve({ socket }));
    socket.once("connect_error", (error) => {
      socket.close();
      resolve({ error });
    });
  });
}

describe("abuse that costs the server", () => {
  const env = usePrivateRedis();
  const servers: RunningChatServer[] = [];
  const sockets: ClientSocket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await Promise.all(servers.map((s) => s.close()));
  });

  describe("a budget of events per socket (100 per 10 s)", () => {
    let server: RunningChatServer;
    let flooder: SignedIn, bystander: SignedIn;

    beforeAll(async () => {
      server = await startChatServer({ redisUrl: env.redis.url, socketEventBudget: 100, socketEventWindowMs: 10_000 });
      servers.push(server);
      [flooder, bystander] = await signUp(server.url, "flooder", "bystander", "third", "fourth");
    });

    it("a socket flooding events into rooms it is not in is told why and disconnected, while another user's acks stay fast", async () => {
      const other = await connect(server.url, bystander.cookie);
      sockets.push(other);
      // 50,000 events with acks into a room the flooder is not in (3:4), from another process.
      const child = spawn(process.execPath, ["test/support/flood-client.mjs", server.url, flooder.cookie, "3:4", "50000"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      await eventually(() => output.includes("connected"), 10_000, "flooder connected");
      const latencies: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = Date.now();
        const ack = await send(other, { roomId: "0", message: `still fast ${i}` });
        latencies.push(Date.now() - started);
        expect(ack.ok).toBe(true);
      }
      await new Promise((resolve) => child.once("exit", resolve));
      const seen = JSON.parse(output.trim().split("\n").pop()!) as { notices: ConnectionClosing[]; reason: string; acks: number };
      expect(seen.notices).toEqual([{ reason: "event-budget", message: expect.stringMatching(/too many events/i) }]);
      expect(seen.reason).toBe("io server disconnect");
      // Only the budget's worth was handled (each refused: not a member); nothing past it.
      expect(seen.acks).toBeLessThanOrEqual(100);
      // Bounded, not a timing benchmark: without the budget such a flood delayed acks by seconds.
      expect(Math.max(...latencies)).toBeLessThan(1500);
      expect(other.connected).toBe(true);
    });

    it("the budget covers every event, including ones no handler knows and malformed ones", async () => {
      const socket = await connect(server.url, flooder.cookie);
      sockets.push(socket);
      const reasons: string[] = [];
      socket.on("disconnect", (reason) => reasons.push(reason));
      const raw = socket as unknown as { emit(event: string, ...args: unknown[]): void };
      for (let i = 0; i < 150; i++) raw.emit(i % 2 ? "no.such.event" : "room.join", { nonsense: i });
      await eventually(() => reasons.length === 1, 10_000, "disconnected");
    });

    it("a socket within its budget is not disturbed", async () => {
      const socket = await connect(server.url, bystander.cookie);
      sockets.push(socket);
      for (let i = 0; i < 50; i++) expect((await send(socket, { roomId: "0", message: `polite ${i}` })).ok).toBe(true);
      expect(socket.connected).toBe(true);
    });
  });

  describe("a cap on open sockets per user across instances (3)", () => {
    it("the 4th socket of a user is refused with a clear reason, on either instance; other users are not affected; closing one frees a place", async () => {
      const [a, b] = await Promise.all([0, 1].map(() => startChatServer({ redisUrl: env.redis.url, maxSocketsPerUser: 3 })));
      servers.push(a!, b!);
      const [tabs, other] = await signUp(a!.url, "many-tabs", "one-tab");
      const open = [await connect(a!.url, tabs.cookie), await connect(a!.url, tabs.cookie), await connect(b!.url, tabs.cookie)];
      sockets.push(...open);
      // Instance a learns of b's connection from Redis (the presence counts of every server).
      await eventually(async () => (await env.raw.hGetAll(`{online_users}:user:${tabs.user.id}`))[b!.instance.ctx.config.serverId] === "1", 5000, "b's count");
      for (const url of [a!.url, b!.url]) {
        const refused = await tryConnect(url, tabs.cookie);
        expect("error" in refused && refused.error.message).toMatch(/too many connections/i);
        expect("error" in refused && refused.error.data).toEqual({ reason: "too-many-connections", limit: 3 });
      }
      const otherSocket = await connect(b!.url, other.cookie);
      sockets.push(otherSocket);

      open[0]!.disconnect();
      await eventually(async () => "socket" in (await tryConnect(a!.url, tabs.cookie).then((r) => ("socket" in r && sockets.push(r.socket), r))), 5000, "a place after closing one");
    });

    it("a burst of 40 handshakes of one user at the same moment opens only 3", async () => {
      const server = await startChatServer({ redisUrl: env.redis.url, maxSocketsPerUser: 3 });
      servers.push(server);
      const [burst] = await signUp(server.url, "burst");
      // Redis answers slowly for a moment (paused), so every handshake waits on it at the same time.
      env.redis.pause();
      const pending = Promise.all(Array.from({ length: 40 }, () => tryConnect(server.url, burst.cookie)));
      await new Promise((r) => setTimeout(r, 500));
      env.redis.resume();
      const results = await pending;
      const opened = results.flatMap((r) => ("socket" in r ? [r.socket] : []));
      sockets.push(...opened);
      expect(opened).toHaveLength(3);
      for (const r of results) if ("error" in r) expect(r.error.message).toMatch(/too many connections/i);
    });
  });
});
