import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { api, connect, eventually, login, send } from "../support/chat-client.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { EPISODE_WAIT_MS } from "../../src/server/realtime/subscription-recovery.js";

let redis: RedisServerHandle;
let servers: RunningChatServer[] = [];

beforeAll(async () => {
  redis = await startRedis({ appendOnly: false });
  // PUBSUB_MODE=both on one Redis: `MESSAGES` and the sharded channels share the subscriber connection.
  servers = await Promise.all([startChatServer({ redisUrl: redis.url, pubsubMode: "both" }), startChatServer({ redisUrl: redis.url, pubsubMode: "both" })]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await redis?.kill();
});

describe("PUBSUB_MODE=both, the subscriber connection broken", () => {
  it("each socket is told to resync once (not once per subscription on that connection), from before the break", async () => {
    const [here, there] = servers as [RunningChatServer, RunningChatServer];
    const ann = await login(here.url, "once_ann");
    const bob = await login(there.url, "once_bob");
    const annSocket = await connect(here.url, ann.cookie, { batch: true });
    const bobSocket = await connect(there.url, bob.cookie);
    try {
      const resyncs: { since: string }[] = [];
      annSocket.on("resync", (r) => resyncs.push(r));

      const raw = createClient({ url: redis.url });
      await raw.connect();
      // Both instances' subscriber connections (MESSAGES and every sharded channel on each).
      await raw.sendCommand(["CLIENT", "KILL", "TYPE", "pubsub"]);
      await raw.close();
      const sent = await send(bobSocket, { roomId: "0", message: "said during the break" });
      expect(sent.ok).toBe(true);

      await eventually(() => resyncs.length >= 1, 15_000, "resync");
      // A second one would come as the other subscriptions are heard again (probes every 250 ms),
      // or at the latest EPISODE_WAIT_MS after the first: wait past both.
      await new Promise((r) => setTimeout(r, EPISODE_WAIT_MS + 2000));
      expect(resyncs).toHaveLength(1);
      const since = resyncs[0]!.since;
      expect(sent.ok && BigInt(since) < BigInt(sent.message.id)).toBe(true);
      const page = await api(here.url, `/room/0/messages?after=${since}&size=100`, ann.cookie);
      expect(page.body.map((m: { message: string }) => m.message)).toContain("said during the break");
    } finally {
      annSocket.disconnect();
      bobSocket.disconnect();
    }
  });
});
