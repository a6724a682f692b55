import { afterAll, beforeAll, expect, it } from "vitest";
import { createClient } from "redis";
import type { ChatMessage } from "../../src/protocol/index.js";
import { api, connect, eventually, login, send, sleep, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { cli, startRedisCluster, type RedisClusterHandle } from "../support/redis-cluster.js";
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

let cluster: RedisClusterHandle;
let one: RunningChatServer;
let two: RunningChatServer;

beforeAll(async () => {
  // A node timeout far above the pause: the held master is never taken for failed.
  cluster = await startRedisCluster({ masters: 3, replicas: 0, nodeTimeoutMs: 5000 });
  // Channels let go at once when their last holder goes: an unsubscribe follows a socket's close.
  const started = await Promise.all(
    [0, 1].map(() => startChatServer({ redisUrl: `redis://${cluster.seeds[0]}`, redisClusterNodes: cluster.seeds, pubsubMode: "sharded", busReleaseDelayMs: 0 })),
  );
  [one, two] = [started[0]!, started[1]!];
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([one?.close(), two?.close()]);
  await cluster?.stop();
});

const privateRoom = (x: SignedIn, y: SignedIn) => `${Math.min(x.user.id, y.user.id)}:${Math.max(x.user.id, y.user.id)}`;

/** Subscribers of a sharded channel on the master serving its slot. */
async function shardSubscribers(channel: string): Promise<number> {
  const port = await cluster.masterOf(channel);
  return Number((await cli(port, "pubsub", "shardnumsub", channel)).split("\n")[1]);
}

/** A room of `owner`'s alone whose slot is on the master at `port` (rooms are made until one is). */
async function roomOn(port: number, owner: SignedIn): Promise<string> {
  for (let i = 0; i < 30; i++) {
    const created = await api(one.url, "/rooms", owner.cookie, { method: "POST", body: JSON.stringify({ name: `${owner.user.username}-${i}`, members: [] }) });
    expect(created.status).toBe(201);
    const roomId = String(created.body.id);
    if ((await cluster.masterOf(`room:${roomId}`)) === port) return roomId;
  }
  throw new Error(`no room of ${owner.user.username} landed on ${port}`);
}

it("a slot moving away while an unsubscribe of the instance is on its way to that master: the channel left deaf is found and subscribed again, its members resync, and the unsubscribed room is not left subscribed", async () => {
  const [hal, ivy, kim] = [await login(one.url, "hal"), await login(two.url, "ivy"), await login(two.url, "kim")];
  const roomId = privateRoom(hal, ivy);
  const halSocket = await connect(one.url, hal.cookie);
  const opened = await send(halSocket, { roomId, message: "opening the room" });
  if (!opened.ok) throw new Error(opened.error);
  const source = await cluster.masterOf(`room:${roomId}`);
  // Kim, on two too, holds a room of her own on the same master: her leaving is the unsubscribe.
  const kimsRoom = await roomOn(source, kim);
  const kimSocket = await connect(two.url, kim.cookie);
  const ivySocket = await connect(two.url, ivy.cookie);
  const shown = followRoom(ivySocket, two.url, ivy.cookie, roomId);
  const seen = shown.seen;
  const before = await send(halSocket, { roomId, message: "before the move" });
  if (!before.ok) throw new Error(before.error);
  await eventually(() => seen.has(before.message.id), 5000, "live delivery before the move");
  await eventually(async () => (await shardSubscribers(`{room:${kimsRoom}}:bus`)) === 1, 5000, "two holds kim's room");

  const move = await beginSlotMove(cluster, `room:${roomId}`);
  const toSource = createClient({ url: `redis://127.0.0.1:${source}` });
  await toSource.connect();
  const unsubscribes = async () => (await two.instance.ctx.metrics.busUnsubscribes.get()).values[0]?.value ?? 0;
  const unsubscribedBefore = await unsubscribes();
  const held = cluster.node(source);
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
  const [lea, max] = [await login(one.url, "lea"), await login(two.url, "max")];
  const created = await api(one.url, "/rooms", lea.cookie, { method: "POST", body: JSON.stringify({ name: "churned", members: [max.user.id] }) });
  expect(created.status).toBe(201);
  const roomId = String(created.body.id);
  const channel = `{room:${roomId}}:bus`;
  const leaSocket = await connect(one.url, lea.cookie);
  const maxSocket = await connect(two.url, max.cookie);
  const seen = new Set<string>();
  maxSocket.on("message", (m: ChatMessage) => seen.add(m.id));
  await eventually(async () => (await shardSubscribers(channel)) === 2, 5000, "both instances hold the room");
  for (let i = 0; i < 8; i++) {
    expect((await api(two.url, `/room/${roomId}/leave`, max.cookie, { method: "POST", body: "{}" })).status).toBe(200);
    expect((await api(two.url, `/room/${roomId}/join`, max.cookie, { method: "POST", body: "{}" })).status).toBe(200);
  }
  await eventually(async () => (await shardSubscribers(channel)) === 2, 5000, "two holds the room again, once");
  expect(await maxSocket.timeout(5000).emitWithAck("room.join", roomId)).toEqual({ ok: true, roomId });
  const sent = await send(leaSocket, { roomId, message: "after the churn" });
  if (!sent.ok) throw new Error(sent.error);
  await eventually(() => seen.has(sent.message.id), 3000, "live delivery after the churn");
  for (const s of [leaSocket, maxSocket]) s.disconnect();
});
