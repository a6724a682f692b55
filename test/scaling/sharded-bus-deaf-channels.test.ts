import { expect, it } from "vitest";
import { createClient, type RedisClusterType } from "redis";
import type { ChatMessage } from "../../src/protocol/index.js";
import { AUDIT_EVERY_MS } from "../../src/server/realtime/bus/subscription-audit.js";
import { EPISODE_WAIT_MS } from "../../src/server/realtime/subscription-recovery.js";
import { redisClientName } from "../../src/server/redis/connection.js";
import { duplicates } from "../resilience/helpers.js";
import { api, connect, eventually, login, send, sleep, type SignedIn } from "../support/chat-client.js";
import type { RunningChatServer } from "../support/chat-server.js";
import { cli, useShardedInstances } from "../support/redis-cluster.js";
import { beginSlotMove } from "../support/slot-move.js";
import { followRoom } from "../support/shown-messages.js";

/**
 * Channels that node-redis believes subscribed and their master does not deliver (deaf channels).
 *
 * When a slot moves away from a master, the master sends each subscriber of its channels a
 * SUNSUBSCRIBE push. node-redis's sharded subscriber takes that push for the reply to whichever
 * SSUBSCRIBE or SUNSUBSCRIBE of ours it is waiting for on that master: the moved channel is then
 * neither followed nor reported, and stays registered with nothing behind it. The test holds the
 * old master still (SIGSTOP, well under the node timeout) so that the move reaches it before an
 * unsubscribe of the instance already on the wire, as a busy master or a slow link would.
 */

// A node timeout far above any pause here: a held master is never taken for failed.
// Channels let go at once when their last holder goes: an unsubscribe follows a socket's close.
const env = useShardedInstances({ nodeTimeoutMs: 5000, busReleaseDelayMs: 0 });

const privateRoom = (x: SignedIn, y: SignedIn) => `${Math.min(x.user.id, y.user.id)}:${Math.max(x.user.id, y.user.id)}`;

/** Subscribers of a sharded channel on the master serving its slot. */
async function shardSubscribers(channel: string): Promise<number> {
  const port = await env.cluster.masterOf(channel);
  return Number((await cli(port, "pubsub", "shardnumsub", channel)).split("\n")[1]);
}

/** A room of `owner`'s alone whose slot is on the master at `port` (rooms are made until one is). */
async function roomOn(port: number, owner: SignedIn): Promise<string> {
  for (let i = 0; i < 30; i++) {
    const created = await api(env.one.url, "/rooms", owner.cookie, { method: "POST", body: JSON.stringify({ name: `${owner.user.username}-${i}`, members: [] }) });
    expect(created.status).toBe(201);
    const roomId = String(created.body.id);
    if ((await env.cluster.masterOf(`room:${roomId}`)) === port) return roomId;
  }
  throw new Error(`no room of ${owner.user.username} landed on ${port}`);
}

it("a slot moving away while an unsubscribe of the instance is on its way to that master: the channel left deaf is found and subscribed again, its members resync, and the unsubscribed room is not left subscribed", async () => {
  const [hal, ivy, kim] = [await login(env.one.url, "hal"), await login(env.two.url, "ivy"), await login(env.two.url, "kim")];
  const roomId = privateRoom(hal, ivy);
  const halSocket = await connect(env.one.url, hal.cookie);
  const opened = await send(halSocket, { roomId, message: "opening the room" });
  if (!opened.ok) throw new Error(opened.error);
  const source = await env.cluster.masterOf(`room:${roomId}`);
  // Kim, on two too, holds a room of her own on the same master: her leaving is the unsubscribe.
  const kimsRoom = await roomOn(source, kim);
  const kimSocket = await connect(env.two.url, kim.cookie);
  const ivySocket = await connect(env.two.url, ivy.cookie);
  const shown = followRoom(ivySocket, env.two.url, ivy.cookie, roomId);
  const seen = shown.seen;
  const before = await send(halSocket, { roomId, message: "before the move" });
  if (!before.ok) throw new Error(before.error);
  await eventually(() => seen.has(before.message.id), 5000, "live delivery before the move");
  await eventually(async () => (await shardSubscribers(`{room:${kimsRoom}}:bus`)) === 1, 5000, "two holds kim's room");

  const move = await beginSlotMove(env.cluster, `room:${roomId}`);
  const toSource = createClient({ url: `redis://127.0.0.1:${source}` });
  await toSource.connect();
  const unsubscribes = async () => (await env.two.instance.ctx.metrics.busUnsubscribes.get()).values[0]?.value ?? 0;
  const unsubscribedBefore = await unsubscribes();
  const held = env.cluster.node(source);
  held.pause();
  let told: Promise<unknown>;
  try {
    // On the wire first: the move (the master's SUNSUBSCRIBE push follows it), then two's SUNSUBSCRIBE of kim's room.
    told = toSource.sendCommand(["CLUSTER", "SETSLOT", move.slot, "NODE", move.targetId]);
    await sleep(50);
    kimSocket.disconnect();
    await eventually(async () => (await unsubscribes()) > unsubscribedBefore, 3000, "two lets kim's channels go");
    await sleep(100);
  } finally {
    held.resume();
  }
  await told;
  await toSource.close();
  for (const port of [...move.others, move.target]) await move.assign(port);
  await move.served();

  const after = await send(halSocket, { roomId, message: "after the move" });
  if (!after.ok) throw new Error(after.error);
  await eventually(() => shown.resyncs() > 0, 10_000, "ivy is told to resync");
  await shown.caughtUp();
  await eventually(() => seen.has(after.message.id), 5000, "the message sent after the move is shown");
  const live = await send(halSocket, { roomId, message: "live again" });
  if (!live.ok) throw new Error(live.error);
  await eventually(() => seen.has(live.message.id), 5000, "live delivery again");
  await eventually(async () => (await shardSubscribers(`{room:${kimsRoom}}:bus`)) === 0, 10_000, "kim's room, held by nobody, unsubscribed");
  for (const s of [halSocket, ivySocket]) s.disconnect();
}, 60_000);

it("a room left and joined again in quick succession (its channel's unsubscribe and subscribe back to back) ends subscribed once and heard live", async () => {
  const [lea, max] = [await login(env.one.url, "lea"), await login(env.two.url, "max")];
  const created = await api(env.one.url, "/rooms", lea.cookie, { method: "POST", body: JSON.stringify({ name: "churned", members: [max.user.id] }) });
  expect(created.status).toBe(201);
  const roomId = String(created.body.id);
  const channel = `{room:${roomId}}:bus`;
  const leaSocket = await connect(env.one.url, lea.cookie);
  const maxSocket = await connect(env.two.url, max.cookie);
  const seen = new Set<string>();
  maxSocket.on("message", (m: ChatMessage) => seen.add(m.id));
  await eventually(async () => (await shardSubscribers(channel)) === 2, 5000, "both instances hold the room");
  for (let i = 0; i < 8; i++) {
    expect((await api(env.two.url, `/room/${roomId}/leave`, max.cookie, { method: "POST", body: "{}" })).status).toBe(200);
    expect((await api(env.two.url, `/room/${roomId}/join`, max.cookie, { method: "POST", body: "{}" })).status).toBe(200);
  }
  await eventually(async () => (await shardSubscribers(channel)) === 2, 5000, "two holds the room again, once");
  expect(await maxSocket.timeout(5000).emitWithAck("room.join", roomId)).toEqual({ ok: true, roomId });
  const sent = await send(leaSocket, { roomId, message: "after the churn" });
  if (!sent.ok) throw new Error(sent.error);
  await eventually(() => seen.has(sent.message.id), 3000, "live delivery after the churn");
  for (const s of [leaSocket, maxSocket]) s.disconnect();
});

/** `server`'s cluster client (its sharded subscribers, one per master, are node-redis's). */
const clusterOf = (server: RunningChatServer) => server.instance.ctx.redis as unknown as RedisClusterType;

/** The sharded subscriber connection of `server` on which node-redis has `channel` registered. */
function subscriberHolding(server: RunningChatServer, channel: string) {
  const client = clusterOf(server).masters.find((m) => m.pubSub?.client.getPubSubListeners("SHARDED").has(channel))?.pubSub?.client;
  if (!client) throw new Error(`${channel} is not registered on any subscriber`);
  return client;
}

/**
 * Leaves `channel` as a master's SUNSUBSCRIBE push misread by node-redis leaves it: registered on
 * `server`'s subscriber, with no subscription behind it on the master. The subscription goes by a
 * real SUNSUBSCRIBE on that connection, answered in order (so node-redis reports nothing), and the
 * registration node-redis then dropped is put back. This is done at node-redis's layer because
 * Redis itself never drops a subscription silently: a slot leaving the master (a migration, a
 * failover, DELSLOTS), a killed or evicted connection, an ACL change all either push SUNSUBSCRIBE
 * or close the connection, and node-redis turns each into a sign the instance acts on (a move, or
 * a node-error when a push breaks its reply matching). Only a sign missed leaves the audit alone.
 */
async function deafen(server: RunningChatServer, channel: string): Promise<void> {
  const client = subscriberHolding(server, channel);
  const registered = client.getPubSubListeners("SHARDED");
  const listeners = registered.get(channel)!;
  await client.sUnsubscribe(channel);
  registered.set(channel, listeners);
}

/** Counts the signs of trouble `server`'s cluster client gives: moves seen on its subscribers, node errors. */
function signsOf(server: RunningChatServer): { count(): number; stop(): void } {
  const client = clusterOf(server);
  let signs = 0;
  const sign = () => signs++;
  const subscribers = client.masters.flatMap((m) => (m.pubSub ? [m.pubSub.client] : []));
  for (const subscriber of subscribers) subscriber.on("sharded-channel-moved", sign);
  client.on("node-error", sign);
  return {
    count: () => signs,
    stop() {
      for (const subscriber of subscribers) subscriber.off("sharded-channel-moved", sign);
      client.off("node-error", sign);
    },
  };
}

const counter = async (c: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, labels: Record<string, string> = {}) =>
  (await c.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);

it("a channel gone deaf with no sign at all (no move, no node error): the periodic audit finds it within its period, subscribes it again, and the member's socket gets what was sent meanwhile by resync, each message once", async () => {
  const [nia, oto] = [await login(env.one.url, "nia"), await login(env.two.url, "oto")];
  const roomId = privateRoom(nia, oto);
  const channel = `{room:${roomId}}:bus`;
  const niaSocket = await connect(env.one.url, nia.cookie);
  const opened = await send(niaSocket, { roomId, message: "opening the room" });
  if (!opened.ok) throw new Error(opened.error);
  const otoSocket = await connect(env.two.url, oto.cookie);
  const shown = followRoom(otoSocket, env.two.url, oto.cookie, roomId);
  const live: string[] = [];
  otoSocket.on("message", (m: ChatMessage) => live.push(m.id));
  const before = await send(niaSocket, { roomId, message: "before" });
  if (!before.ok) throw new Error(before.error);
  await eventually(() => shown.seen.has(before.message.id), 5000, "live delivery before");
  // Another channel of two's on the same master: the subscriber stays in pub/sub mode throughout,
  // as it is when a move's push is misread (the channel is not the connection's last).
  const pal = await login(env.two.url, "pal");
  await roomOn(await env.cluster.masterOf(`room:${roomId}`), pal);
  const palSocket = await connect(env.two.url, pal.cookie);
  expect(subscriberHolding(env.two, channel).getPubSubListeners("SHARDED").size).toBeGreaterThan(1);

  const metrics = env.two.instance.ctx.metrics;
  const deafFound = await counter(metrics.busDeafChannels);
  const signs = signsOf(env.two);
  const deafAt = Date.now();
  await deafen(env.two, channel);
  expect(await shardSubscribers(channel)).toBe(1);
  // Sent while two does not hear the room: no live delivery for oto.
  const meanwhile: string[] = [];
  for (let i = 0; i < 4; i++) {
    const sent = await send(niaSocket, { roomId, message: `meanwhile ${i}` });
    if (!sent.ok) throw new Error(sent.error);
    meanwhile.push(sent.message.id);
    await sleep(150);
  }

  // Found by an audit (at most one period away) and its sweep's probe (not heard within 2 s).
  await eventually(async () => (await counter(metrics.busDeafChannels)) > deafFound, AUDIT_EVERY_MS + 2000 + 3000, "two finds the channel deaf");
  const foundMs = Date.now() - deafAt;
  await eventually(() => shown.resyncs() > 0, 5000, "oto is told to resync");
  await shown.caughtUp();
  expect(meanwhile.filter((id) => !shown.seen.has(id)), "sent while deaf, never shown").toEqual([]);
  expect(live.filter((id) => meanwhile.includes(id)), "delivered live while deaf").toEqual([]);
  expect(signs.count(), "signs of trouble two's cluster client gave").toBe(0);
  signs.stop();
  expect(foundMs).toBeLessThanOrEqual(AUDIT_EVERY_MS + 2000 + 3000);

  const after = await send(niaSocket, { roomId, message: "live again" });
  if (!after.ok) throw new Error(after.error);
  await eventually(() => live.includes(after.message.id), 5000, "live delivery again");
  await sleep(300);
  expect(duplicates(live), "delivered live more than once").toEqual([]);
  expect(await shardSubscribers(channel)).toBe(2);
  for (const s of [niaSocket, otoSocket, palSocket]) s.disconnect();
}, 30_000);

it("a channel gone deaf while a stray on the same master makes up the count (the master counts what two believes): the audit still finds both, the deaf channel is subscribed again and resynced, the stray let go", async () => {
  const [raj, sol] = [await login(env.one.url, "raj"), await login(env.two.url, "sol")];
  const roomId = privateRoom(raj, sol);
  const channel = `{room:${roomId}}:bus`;
  const rajSocket = await connect(env.one.url, raj.cookie);
  const opened = await send(rajSocket, { roomId, message: "opening the room" });
  if (!opened.ok) throw new Error(opened.error);
  const solSocket = await connect(env.two.url, sol.cookie);
  const shown = followRoom(solSocket, env.two.url, sol.cookie, roomId);
  const live: string[] = [];
  solSocket.on("message", (m: ChatMessage) => live.push(m.id));
  const port = await env.cluster.masterOf(`room:${roomId}`);
  const tam = await login(env.two.url, "tam");
  await roomOn(port, tam);
  const tamSocket = await connect(env.two.url, tam.cookie);
  let stray = "";
  for (let i = 0; !stray; i++) if ((await env.cluster.masterOf(`room:stray-${i}`)) === port) stray = `{room:stray-${i}}:bus`;

  const metrics = env.two.instance.ctx.metrics;
  const deafFound = await counter(metrics.busDeafChannels);
  const signs = signsOf(env.two);
  // Both at once (one write to the master), so that no audit counts in between: what node-redis
  // does after taking a reply for a move is subscribe a channel nobody here holds.
  const subscriber = subscriberHolding(env.two, channel);
  await Promise.all([deafen(env.two, channel), subscriber.sSubscribe(stray, () => {})]);
  const sent = await send(rajSocket, { roomId, message: "while deaf" });
  if (!sent.ok) throw new Error(sent.error);

  await eventually(async () => (await counter(metrics.busDeafChannels)) > deafFound, AUDIT_EVERY_MS + 2000 + 3000, "two finds the channel deaf");
  await eventually(() => shown.resyncs() > 0, 5000, "sol is told to resync");
  await shown.caughtUp();
  expect(shown.seen.has(sent.message.id), "sent while deaf, shown").toBe(true);
  await eventually(async () => (await shardSubscribers(stray)) === 0, 5000, "the stray let go");
  expect(signs.count(), "signs of trouble two's cluster client gave").toBe(0);
  signs.stop();
  const after = await send(rajSocket, { roomId, message: "live again" });
  if (!after.ok) throw new Error(after.error);
  await eventually(() => live.includes(after.message.id), 5000, "live delivery again");
  expect(duplicates(live), "delivered live more than once").toEqual([]);
  for (const s of [rajSocket, solSocket, tamSocket]) s.disconnect();
}, 30_000);

it("an instance's subscriber connection to a room's master broken and kept from coming back (the master at its client limit): the room's channel is lost until heard again, and its member sees every message sent meanwhile", async () => {
  const [uma, vic] = [await login(env.one.url, "uma"), await login(env.two.url, "vic")];
  const roomId = privateRoom(uma, vic);
  const umaSocket = await connect(env.one.url, uma.cookie);
  const opened = await send(umaSocket, { roomId, message: "opening the room" });
  if (!opened.ok) throw new Error(opened.error);
  const vicSocket = await connect(env.two.url, vic.cookie);
  const shown = followRoom(vicSocket, env.two.url, vic.cookie, roomId);
  const live: string[] = [];
  vicSocket.on("message", (m: ChatMessage) => live.push(m.id));
  const port = await env.cluster.masterOf(`room:${roomId}`);
  // Connected before the limit: the test's own commands to that master still go through.
  const admin = createClient({ url: `redis://127.0.0.1:${port}` });
  await admin.connect();
  const name = redisClientName(env.two.instance.ctx.config.serverId);
  const subscriber = String(await admin.sendCommand(["CLIENT", "LIST", "TYPE", "pubsub"]))
    .split("\n")
    .find((line) => line.includes(` name=${name} `) && / ssub=[1-9]/.test(line));
  const subscriberId = /(?:^|\s)id=(\d+)/.exec(subscriber ?? "")?.[1];
  if (!subscriberId) throw new Error("two has no sharded subscriber on the room's master");
  const resyncsOf = () => counter(env.two.instance.ctx.metrics.resyncs, { cause: "node" });
  const resyncedBefore = await resyncsOf();

  const limit = (await admin.configGet("maxclients")).maxclients!;
  const meanwhile: string[] = [];
  try {
    await admin.configSet("maxclients", "1");
    await admin.sendCommand(["CLIENT", "KILL", "ID", subscriberId]);
    for (let i = 0; i < 4; i++) {
      await sleep(300);
      const sent = await send(umaSocket, { roomId, message: `meanwhile ${i}` });
      if (!sent.ok) throw new Error(sent.error);
      meanwhile.push(sent.message.id);
    }
  } finally {
    await admin.configSet("maxclients", limit);
    await admin.close();
  }

  await eventually(async () => (await resyncsOf()) > resyncedBefore, 10_000, "the room's channel heard again after the break");
  // Its resync goes with the rest of the break's episode (its other channels on that master), once
  // they are heard again too, or EPISODE_WAIT_MS after the channel came back.
  await eventually(async () => {
    await shown.caughtUp();
    return meanwhile.every((id) => shown.seen.has(id));
  }, EPISODE_WAIT_MS + 5000, "every message sent while two's subscriber was away, shown");
  const after = await send(umaSocket, { roomId, message: "live again" });
  if (!after.ok) throw new Error(after.error);
  await eventually(() => live.includes(after.message.id), 5000, "live delivery again");
  expect(duplicates(live), "delivered live more than once").toEqual([]);
  for (const s of [umaSocket, vicSocket]) s.disconnect();
}, 30_000);
