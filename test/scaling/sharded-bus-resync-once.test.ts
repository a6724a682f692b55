import { expect, it } from "vitest";
import { createClient, type RedisClusterType } from "redis";
import { GENERAL_ROOM_ID, type ChatMessage } from "../../src/protocol/index.js";
import { EPISODE_WAIT_MS } from "../../src/server/realtime/subscription-recovery.js";
import { redisClientName } from "../../src/server/redis/connection.js";
import { keys } from "../../src/server/redis/keys.js";
import { duplicates } from "../resilience/helpers.js";
import { api, connect, eventually, login, send, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { useShardedInstances } from "../support/redis-cluster.js";
import { followRoom } from "../support/shown-messages.js";

/**
 * One instance's sharded subscriber connection to one master broken and refused for a while (the
 * master at its client limit: the instance's data connection to it stays up). node-redis reports
 * each refused reconnect attempt as a `node-error` of that master; each used to be taken for the
 * master's failure, "served again" 100 ms later (its data connection was up), and resynced every
 * socket of the instance: a resync storm while Redis is in trouble. Only the sockets of the
 * channels lost there catch up, once, after their channels are heard again.
 */

// A node timeout far above any pause here: a held master is never taken for failed.
const env = useShardedInstances({ nodeTimeoutMs: 5000 });

const portOf = (address: string) => Number(address.split(":")[1]);

/** A room `owner` makes with `members`, made again until its slot is (or is not) on the master at `port`. */
async function roomWith(owner: SignedIn, members: SignedIn[], port: number, on: boolean): Promise<string> {
  for (let i = 0; i < 40; i++) {
    const created = await api(env.one.url, "/rooms", owner.cookie, { method: "POST", body: JSON.stringify({ name: `r-${on ? "on" : "off"}-${i}`, members: members.map((m) => m.user.id) }) });
    expect(created.status).toBe(201);
    const roomId = String(created.body.id);
    if (((await env.cluster.masterOf(keys.roomChannel(roomId))) === port) === on) return roomId;
  }
  throw new Error(`no room landed ${on ? "on" : "off"} ${port}`);
}

/** Signs in `name0`, `name1`… on `url` until the person's own channel is not on the master at `port`. */
async function personOff(url: string, name: string, port: number): Promise<SignedIn> {
  for (let i = 0; i < 20; i++) {
    const person = await login(url, `${name}${i}`);
    if ((await env.cluster.masterOf(keys.userChannel(person.user.id))) !== port) return person;
  }
  throw new Error(`every ${name} has a channel on ${port}`);
}

function countResyncs(socket: ClientSocket): () => number {
  let n = 0;
  socket.on("resync", () => n++);
  return () => n;
}

function liveIds(socket: ClientSocket): string[] {
  const ids: string[] = [];
  socket.on("message", (m: ChatMessage) => ids.push(m.id));
  return ids;
}

it("a subscriber connection broken and refused for seconds (the master at its client limit), then let back: each socket of the rooms on that master resyncs exactly once, after its channel is heard again; sockets whose rooms live on other masters (and the other instance's) never; nothing sent meanwhile is lost or shown twice", async () => {
  // The master that breaks serves neither General nor the global channel (those would rightly resync everyone).
  const everyone = new Set([await env.cluster.masterOf(keys.roomChannel(GENERAL_ROOM_ID)), await env.cluster.masterOf(keys.globalChannel)]);
  const port = env.cluster.seeds.map(portOf).find((p) => !everyone.has(p))!;

  const sam = await login(env.one.url, "sam");
  const [ann, bea] = [await login(env.two.url, "ann"), await login(env.two.url, "bea")];
  // Unaffected: cal on two (his own channel and his room elsewhere), dan on one (in the affected room).
  const cal = await personOff(env.two.url, "cal", port);
  const dan = await login(env.one.url, "dan");
  const affected = await roomWith(sam, [ann, bea, dan], port, true);
  const elsewhere = await roomWith(sam, [cal], port, false);

  const samSocket = await connect(env.one.url, sam.cookie);
  const annSocket = await connect(env.two.url, ann.cookie);
  const beaSocket = await connect(env.two.url, bea.cookie);
  const calSocket = await connect(env.two.url, cal.cookie);
  const danSocket = await connect(env.one.url, dan.cookie);
  const shown = { ann: followRoom(annSocket, env.two.url, ann.cookie, affected), bea: followRoom(beaSocket, env.two.url, bea.cookie, affected) };
  const resyncs = {
    ann: shown.ann.resyncs,
    bea: shown.bea.resyncs,
    cal: countResyncs(calSocket),
    dan: countResyncs(danSocket),
    sam: countResyncs(samSocket),
  };
  const live = { ann: liveIds(annSocket), bea: liveIds(beaSocket), cal: liveIds(calSocket), dan: liveIds(danSocket) };

  const before = await send(samSocket, { roomId: affected, message: "before" });
  if (!before.ok) throw new Error(before.error);
  await eventually(() => [live.ann, live.bea, live.dan].every((ids) => ids.includes(before.message.id)), 5000, "live delivery before");

  // Two's sharded subscriber on that master; the test's own connection is made before the limit.
  const admin = createClient({ url: `redis://127.0.0.1:${port}` });
  await admin.connect();
  const name = redisClientName(env.two.instance.ctx.config.serverId);
  const line = String(await admin.sendCommand(["CLIENT", "LIST", "TYPE", "pubsub"]))
    .split("\n")
    .find((l) => l.includes(` name=${name} `) && / ssub=[1-9]/.test(l));
  const subscriberId = /(?:^|\s)id=(\d+)/.exec(line ?? "")?.[1];
  if (!subscriberId) throw new Error("two has no sharded subscriber on the room's master");
  let refusals = 0;
  const refused = (_err: unknown, node: { port?: number }) => {
    if (node?.port === port) refusals++;
  };
  const twoCluster = env.two.instance.ctx.redis as unknown as RedisClusterType;
  twoCluster.on("node-error", refused);

  const limit = (await admin.configGet("maxclients")).maxclients!;
  const meanwhile: string[] = [];
  const meanwhileElsewhere: string[] = [];
  try {
    await admin.configSet("maxclients", "1");
    await admin.sendCommand(["CLIENT", "KILL", "ID", subscriberId]);
    // Down for about 4 s: longer than an episode gathers losses (2 s), so that every refused attempt
    // after that would be an episode, and a resync, of its own.
    for (let i = 0; i < 8; i++) {
      await sleep(500);
      const sent = await send(samSocket, { roomId: affected, message: `meanwhile ${i}` });
      if (!sent.ok) throw new Error(sent.error);
      meanwhile.push(sent.message.id);
      const other = await send(samSocket, { roomId: elsewhere, message: `elsewhere ${i}` });
      if (!other.ok) throw new Error(other.error);
      meanwhileElsewhere.push(other.message.id);
    }
    // Several reconnect attempts refused while it stays down (each a node-error of that master).
    await eventually(() => refusals >= 4, 10_000, "several reconnect attempts refused");
    expect(Object.values(resyncs).map((n) => n()), "resyncs while the channel is still down").toEqual([0, 0, 0, 0, 0]);
  } finally {
    await admin.configSet("maxclients", limit);
    await admin.close();
  }

  await eventually(() => shown.ann.resyncs() > 0 && shown.bea.resyncs() > 0, 10_000, "ann and bea told to resync once their room is heard again");
  await shown.ann.caughtUp();
  await shown.bea.caughtUp();
  for (const who of ["ann", "bea"] as const) expect(meanwhile.filter((id) => !shown[who].seen.has(id)), `sent while down, never shown to ${who}`).toEqual([]);
  expect(meanwhile.filter((id) => !live.dan.includes(id)), "dan (on one) heard everything live").toEqual([]);
  expect(meanwhileElsewhere.filter((id) => !live.cal.includes(id)), "cal's room, on another master, heard live throughout").toEqual([]);

  const after = await send(samSocket, { roomId: affected, message: "live again" });
  if (!after.ok) throw new Error(after.error);
  await eventually(() => [live.ann, live.bea, live.dan].every((ids) => ids.includes(after.message.id)), 5000, "live delivery again");
  // Anything still pending (an episode's wait) would have fired by now.
  await sleep(EPISODE_WAIT_MS + 1000);
  twoCluster.off("node-error", refused);
  expect(refusals).toBeGreaterThanOrEqual(4);
  expect(Object.fromEntries(Object.entries(resyncs).map(([who, n]) => [who, n()])), "resync events per socket").toEqual({ ann: 1, bea: 1, cal: 0, dan: 0, sam: 0 });
  for (const [who, ids] of Object.entries(live)) expect(duplicates(ids), `delivered live to ${who} more than once`).toEqual([]);
  for (const s of [samSocket, annSocket, beaSocket, calSocket, danSocket]) s.disconnect();
}, 60_000);
