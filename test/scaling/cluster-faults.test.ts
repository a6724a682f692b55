import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage, MessageAck } from "../../src/protocol/index.js";
import { api, connect, eventually, login, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { cli, startRedisCluster, type RedisClusterHandle } from "../support/redis-cluster.js";
import { duplicates, rawRedis, readAllAfter } from "../resilience/helpers.js";

/**
 * Redis Cluster faults under traffic (issue 16): three masters with a replica each, two instances,
 * about 30 messages/s over General and private rooms spread over the three masters. One cluster is
 * shared by the phases, in order: a graceful failover of General's master, General's master killed,
 * the killed node restarted (it comes back as a replica), a master holding only private rooms
 * killed. In each phase:
 * - nothing acknowledged is lost or stored twice (history holds each acked message once);
 * - every recipient sees every acknowledged message, live or through the catch-up a `resync`
 *   starts (the test client does what the web client does: fetch each room after `since`, retried);
 * - sends to the failed master's rooms recover within a second of its replica's promotion (none
 *   sent from then on is refused);
 * - `/readyz` stays 200 on both instances (both can serve all along).
 */

const NODE_TIMEOUT_MS = 1000;
/** Sends to a failed master's rooms are served again this soon after its replica's promotion. */
const RECOVERY_MS = 1000;
/** Each stream sends (or resends) one message per tick: five streams, about 33 messages/s. */
const TICK_MS = 150;

interface Sent {
  clientId: string;
  text: string;
  ack?: ChatMessage;
  ackedAt?: number;
  /** Each emit of it: when, and whether the server refused it (`{ok: false}`). */
  attempts: { at: number; refused?: string }[];
}

/** One sender in one room: one message in flight at a time, resent with its clientId until acknowledged. */
class Stream {
  readonly sent: Sent[] = [];
  refusals = 0;
  private inFlight = false;
  private count = 0;
  stopping = false;

  constructor(readonly socket: ClientSocket, readonly roomId: string, readonly prefix: string) {}

  tick(): void {
    if (this.inFlight) return;
    const item = this.sent.find((s) => !s.ack) ?? (this.stopping ? undefined : this.next());
    if (!item) return;
    this.inFlight = true;
    const attempt: Sent["attempts"][number] = { at: Date.now() };
    item.attempts.push(attempt);
    (this.socket.timeout(3000).emitWithAck("message", { roomId: this.roomId, message: item.text, clientId: item.clientId }) as Promise<MessageAck>)
      .then((answer) => {
        if (answer.ok) {
          item.ack ??= answer.message;
          item.ackedAt ??= Date.now();
        } else {
          attempt.refused = answer.error;
          this.refusals++;
        }
      }, () => this.refusals++)
      .finally(() => (this.inFlight = false));
  }

  pending(): number {
    return this.sent.filter((s) => !s.ack).length;
  }

  /** The sends emitted at or after `at` that the server refused: `clientId@ms after at: error`. */
  refusedFrom(at: number): string[] {
    return this.sent.flatMap((s) => s.attempts.filter((t) => t.at >= at && t.refused).map((t) => `${s.clientId}@${t.at - at}: ${t.refused}`));
  }

  /** When the first message acknowledged after `at` was acknowledged. */
  firstAckAfter(at: number): number | undefined {
    return this.sent.map((s) => s.ackedAt).filter((t): t is number => t !== undefined && t >= at).sort((x, y) => x - y)[0];
  }

  private next(): Sent {
    const item: Sent = { clientId: `${this.prefix.replaceAll(" ", "_")}-${this.count}`, text: `${this.prefix} ${this.count}`, attempts: [] };
    this.count++;
    this.sent.push(item);
    return item;
  }
}

/** A person's screen: what arrived live, plus what a `resync` made it fetch (retried while it fails). */
class View {
  readonly seen = new Map<string, Set<string>>();
  readonly live = new Set<string>();
  resyncs = 0;
  caughtUp = 0;
  private catchingUp = 0;

  constructor(readonly url: string, readonly person: SignedIn, readonly socket: ClientSocket, readonly rooms: string[]) {
    for (const room of rooms) this.seen.set(room, new Set());
    const add = (m: ChatMessage) => {
      this.live.add(m.id);
      this.seen.get(m.roomId)?.add(m.id);
    };
    socket.on("message", add);
    socket.on("message.batch", (batch) => batch.messages.forEach(add));
    socket.on("resync", ({ since }) => {
      this.resyncs++;
      for (const room of rooms) void this.catchUp(room, since);
    });
  }

  get idle(): boolean {
    return this.catchingUp === 0;
  }

  private async catchUp(room: string, since: string): Promise<void> {
    this.catchingUp++;
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          for (const m of await readAllAfter(this.url, this.person.cookie, room, since)) {
            if (!this.live.has(m.id) && !this.seen.get(room)!.has(m.id)) this.caughtUp++;
            this.seen.get(room)!.add(m.id);
          }
          return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(200);
        }
      }
    } finally {
      this.catchingUp--;
    }
  }
}

interface PhaseResult {
  name: string;
  acked: number;
  refusals: number;
  promotedAfterMs?: number;
  recoveredMs?: number;
  readiness: number[];
  resyncs: number;
  caughtUp: number;
}

let cluster: RedisClusterHandle;
let a: RunningChatServer;
let b: RunningChatServer;
let views: View[] = [];
/** Private rooms, one per master at start: [roomId, sender's socket, recipient's view]. */
let privateRooms: { roomId: string; sender: ClientSocket }[] = [];
let general: { fromA: ClientSocket; fromB: ClientSocket };
let reader: SignedIn;
const killedPorts = new Set<number>();
const results: PhaseResult[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
  // The classic MESSAGES subscriber's faults (PUBSUB_MODE=seed; the sharded bus's are in sharded-bus.test.ts).
  const instances = await Promise.all([0, 1].map(() => startChatServer({ redisUrl: `redis://${cluster.seeds[0]}`, redisClusterNodes: cluster.seeds, pubsubMode: "seed" })));
  [a, b] = [instances[0]!, instances[1]!];
  const people: SignedIn[] = [];
  for (let i = 0; i < 12; i++) people.push(await login(a.url, `fault${i}`));
  reader = people[0]!;
  // One private room on each master, its sender on A or B and its other member on the other one.
  const byMaster = new Map<number, [SignedIn, SignedIn]>();
  for (let i = 2; i < people.length; i++) {
    for (let j = i + 1; j < people.length; j++) {
      const [x, y] = [people[i]!, people[j]!];
      const master = await cluster.masterOf(`room:${Math.min(x.user.id, y.user.id)}:${Math.max(x.user.id, y.user.id)}`);
      if (!byMaster.has(master) && ![...byMaster.values()].flat().some((p) => p === x || p === y)) byMaster.set(master, [x, y]);
    }
  }
  expect(byMaster.size, "a private room on each master").toBe(3);
  const roomsOf = new Map<SignedIn, string[]>(people.map((p) => [p, ["0"]]));
  const pairs = [...byMaster.values()];
  for (const [x, y] of pairs) {
    const roomId = `${Math.min(x.user.id, y.user.id)}:${Math.max(x.user.id, y.user.id)}`;
    roomsOf.get(x)!.push(roomId);
    roomsOf.get(y)!.push(roomId);
  }
  // people[0] on A and people[1] on B send in General; pair members alternate between A and B.
  const sockets = new Map<SignedIn, ClientSocket>();
  let onA = true;
  for (const person of [people[0]!, people[1]!, ...pairs.flat()]) {
    const url = onA ? a.url : b.url;
    const socket = await connect(url, person.cookie, { batch: onA });
    sockets.set(person, socket);
    views.push(new View(url, person, socket, roomsOf.get(person)!));
    onA = !onA;
  }
  general = { fromA: sockets.get(people[0]!)!, fromB: sockets.get(people[1]!)! };
  privateRooms = pairs.map(([x, y], i) => ({
    roomId: `${Math.min(x.user.id, y.user.id)}:${Math.max(x.user.id, y.user.id)}`,
    sender: sockets.get(i % 2 === 0 ? x : y)!,
  }));
}, 90_000);

afterAll(async () => {
  for (const view of views) view.socket.disconnect();
  await Promise.allSettled([a?.close(), b?.close()]);
  await cluster?.stop();
  for (const r of results) {
    console.info(
      `[cluster-faults] ${r.name}: ${r.acked} acked, ${r.refusals} refused; promoted ${r.promotedAfterMs ?? "-"} ms after the fault; ` +
        `sends to its rooms recovered ${r.recoveredMs ?? "-"} ms after the promotion; resyncs ${r.resyncs}, caught up ${r.caughtUp}; ` +
        `/readyz ${[...new Set(r.readiness)].join(",")} (${r.readiness.length} polls)`,
    );
  }
});

/**
 * Runs `prepare` (set-up that is not the fault: its own disruptions are not judged), then traffic
 * for a while, applies `fault`, keeps traffic until `settled` says the cluster has settled plus a
 * while, then drains (resends until every message is acknowledged) and checks.
 */
async function phase(
  name: string,
  fault: () => Promise<{ at?: number; promoted?: () => Promise<boolean>; failedRooms?: string[] }>,
  settled: () => Promise<boolean>,
  prepare?: () => Promise<void>,
): Promise<PhaseResult> {
  await prepare?.();
  const streams = [
    new Stream(general.fromA, "0", `${name} general A`),
    new Stream(general.fromB, "0", `${name} general B`),
    ...privateRooms.map((room, i) => new Stream(room.sender, room.roomId, `${name} private ${i}`)),
  ];
  const resyncsBefore = views.reduce((n, v) => n + v.resyncs, 0);
  const caughtUpBefore = views.reduce((n, v) => n + v.caughtUp, 0);
  const traffic = setInterval(() => streams.forEach((s) => s.tick()), TICK_MS);
  const readiness: number[] = [];
  const notReady: string[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      for (const server of [a, b]) {
        const answer = await api(server.url, "/readyz");
        readiness.push(answer.status);
        if (answer.status !== 200) notReady.push(`${server === a ? "A" : "B"} ${Date.now()}: ${answer.body.message}`);
      }
      await sleep(100);
    }
  })();
  try {
    await sleep(1500);
    const started = Date.now();
    const { at: faultAt = started, promoted, failedRooms = [] } = await fault();
    let promotedAt: number | undefined;
    if (promoted) {
      await eventually(promoted, 20_000, `${name}: the replica's promotion`);
      promotedAt = Date.now();
    }
    await eventually(settled, 30_000, `${name}: the cluster settling`);
    await sleep(1500);
    for (const s of streams) s.stopping = true;
    await eventually(() => streams.every((s) => s.pending() === 0), 20_000, `${name}: every message acknowledged`);
    polling = false;
    await poller;

    // Nothing acknowledged lost or stored twice.
    for (const roomId of ["0", ...privateRooms.map((r) => r.roomId)]) {
      const history = (await readAllAfter(a.url, roomCookie(roomId), roomId)).filter((m) => m.message.startsWith(`${name} `));
      expect(duplicates(history.map((m) => m.message)), `${name}: stored twice in ${roomId}`).toEqual([]);
      const ids = new Set(history.map((m) => m.id));
      for (const s of streams.filter((st) => st.roomId === roomId)) {
        for (const item of s.sent) expect(ids.has(item.ack!.id), `${name}: ${item.clientId} acked and in history`).toBe(true);
      }
    }
    // Every recipient sees every acknowledged message, live or through its resync catch-up.
    await eventually(() => views.every((v) => v.idle), 25_000, `${name}: catch-ups finished`);
    for (const view of views) {
      for (const s of streams.filter((st) => view.rooms.includes(st.roomId))) {
        const missing = s.sent.filter((item) => !view.seen.get(s.roomId)!.has(item.ack!.id)).map((item) => item.clientId);
        expect(missing, `${name}: ${view.person.user.username} missed (neither live nor caught up)`).toEqual([]);
      }
    }
    // Sends to the failed master's rooms recover within a second of the promotion: none sent from
    // then on is refused. (Not "the first is acknowledged within a second": on a loaded machine the
    // answer alone may take that long, while what is proven is that the instances find the new
    // master at once, not after node-redis's default 5 s.) How soon one was acknowledged is reported.
    let recoveredMs: number | undefined;
    if (promotedAt !== undefined) {
      const failed = streams.filter((s) => failedRooms.includes(s.roomId));
      recoveredMs = Math.max(...failed.map((s) => s.firstAckAfter(promotedAt!)! - promotedAt!));
      const refusedLate = failed.flatMap((s) => s.refusedFrom(promotedAt! + RECOVERY_MS));
      expect(refusedLate, `${name}: sends refused more than ${RECOVERY_MS} ms after the promotion`).toEqual([]);
    }
    expect(notReady, `${name}: /readyz on instances that can serve`).toEqual([]);
    const result: PhaseResult = {
      name,
      acked: streams.reduce((n, s) => n + s.sent.length, 0),
      refusals: streams.reduce((n, s) => n + s.refusals, 0),
      promotedAfterMs: promotedAt && promotedAt - faultAt,
      recoveredMs,
      readiness,
      resyncs: views.reduce((n, v) => n + v.resyncs, 0) - resyncsBefore,
      caughtUp: views.reduce((n, v) => n + v.caughtUp, 0) - caughtUpBefore,
    };
    results.push(result);
    return result;
  } finally {
    clearInterval(traffic);
    polling = false;
    await poller;
  }
}

function roomCookie(roomId: string): string {
  if (roomId === "0") return reader.cookie;
  return views.find((v) => v.rooms.includes(roomId))!.person.cookie;
}

const isMaster = (port: number) => async () => (await cluster.role(port)) === "master";

/** Connections subscribed to a channel on the node on `port` (each instance holds one). */
async function subscribersOn(port: number): Promise<number> {
  return (await cli(port, "client", "list")).split("\n").filter((line) => /\bsub=[1-9]/.test(line)).length;
}

/**
 * Makes both instances' `MESSAGES` subscriptions sit on the master on `port`, the case that went
 * unnoticed before (issue 16): subscriber connections elsewhere are killed, and each moves to
 * another node at random, until both are on it (each round halves the chance that one is not).
 */
async function subscriptionsOn(port: number): Promise<void> {
  const live = cluster.nodes.map((n) => n.port).filter((p) => !killedPorts.has(p));
  for (let round = 0; round < 30 && (await subscribersOn(port)) < 2; round++) {
    for (const other of live.filter((p) => p !== port)) await cli(other, "client", "kill", "type", "pubsub");
    await eventually(async () => {
      let total = 0;
      for (const p of live) total += await subscribersOn(p);
      return total === 2;
    }, 5000, "both subscriptions back");
  }
  expect(await subscribersOn(port), "both instances subscribed on the master about to fail").toBe(2);
}

describe("DURABLE_ACKS=replica on Redis Cluster", () => {
  it("acknowledges a message once the replica of its room's master has it; with that replica stalled, refuses it, and acknowledges the resend once it is back", async () => {
    const durable = await startChatServer({
      redisUrl: `redis://${cluster.seeds[0]}`,
      redisClusterNodes: cluster.seeds,
      durableAcks: "replica",
      durableAckTimeoutMs: 1000,
    });
    const socket = await connect(durable.url, reader.cookie);
    const replica = cluster.node(await cluster.replicaOf(await cluster.masterOf("room:0")));
    try {
      const ok = await sendWithAck(socket, "durable on cluster", "durable-cluster-1");
      expect(ok).toMatchObject({ ok: true });
      const onReplica = await rawRedis(replica.url);
      await onReplica.sendCommand(["READONLY"]);
      expect((await onReplica.zRangeByScore("room:0", "-inf", "+inf")).join("\n")).toContain("durable on cluster");
      await onReplica.close();
      replica.pause();
      const refused = await sendWithAck(socket, "durable while stalled", "durable-cluster-2");
      expect(!refused.ok && refused.error).toMatch(/unavailable/i);
      replica.resume();
      // Back: its link up and everything the master sent it acknowledged.
      await cluster.waitReplicasInSync();
      const again = await sendWithAck(socket, "durable while stalled", "durable-cluster-2");
      expect(again).toMatchObject({ ok: true });
      const history = (await readAllAfter(durable.url, reader.cookie, "0")).filter((m) => m.message === "durable while stalled");
      expect(history).toHaveLength(1);
    } finally {
      replica.resume();
      socket.disconnect();
      await durable.close();
    }
  }, 30_000);
});

function sendWithAck(socket: ClientSocket, message: string, clientId: string): Promise<MessageAck> {
  return socket.timeout(5000).emitWithAck("message", { roomId: "0", message, clientId }) as Promise<MessageAck>;
}

describe("Redis Cluster with replicas, two instances under traffic", () => {
  let generalMaster = 0;
  let killed = 0;

  it("a graceful failover of General's master (CLUSTER FAILOVER on its replica): nothing lost, nothing missed, readiness up", async () => {
    // A graceful failover waits for the replica to have everything its master has.
    await cluster.waitReplicasInSync();
    generalMaster = await cluster.masterOf("room:0");
    const replica = await cluster.replicaOf(generalMaster);
    await phase(
      "failover",
      async () => {
        await cli(replica, "cluster", "failover");
        return { promoted: isMaster(replica), failedRooms: ["0"] };
      },
      async () => (await cluster.masterOf("room:0")) === replica,
    );
  }, 90_000);

  it("General's master killed: its replica takes over, sends recover within a second, every recipient catches up", async () => {
    generalMaster = await cluster.masterOf("room:0");
    const replica = await cluster.replicaOf(generalMaster);
    killed = generalMaster;
    await phase(
      "kill-general",
      async () => {
        const rooms = await roomsOn(generalMaster);
        killedPorts.add(generalMaster);
        const at = Date.now();
        await cluster.node(generalMaster).kill();
        return { at, promoted: isMaster(replica), failedRooms: rooms };
      },
      async () => (await cluster.masterOf("room:0")) === replica,
      () => subscriptionsOn(generalMaster),
    );
  }, 90_000);

  it("the killed node restarted: it rejoins as a replica while traffic flows", async () => {
    await phase(
      "restart",
      async () => {
        await cluster.node(killed).restart();
        killedPorts.delete(killed);
        return {};
      },
      async () => (await cluster.role(killed)) === "slave" && (await cli(killed, "info", "replication")).includes("master_link_status:up"),
    );
  }, 90_000);

  it("a master holding only private rooms killed: its rooms recover within a second of the promotion, General never stops", async () => {
    const general0 = await cluster.masterOf("room:0");
    let target = 0;
    for (const room of privateRooms) {
      const master = await cluster.masterOf(`room:${room.roomId}`);
      if (master !== general0) target = master;
    }
    expect(target).not.toBe(0);
    const replica = await cluster.replicaOf(target);
    await phase(
      "kill-private",
      async () => {
        const rooms = await roomsOn(target);
        killedPorts.add(target);
        const at = Date.now();
        await cluster.node(target).kill();
        return { at, promoted: isMaster(replica), failedRooms: rooms };
      },
      async () => (await cluster.masterOf("room:0")) === general0 && (await cluster.role(replica)) === "master",
      () => subscriptionsOn(target),
    );
  }, 90_000);
});

/** Our rooms whose slots the master on `port` serves. */
async function roomsOn(port: number): Promise<string[]> {
  const rooms: string[] = [];
  for (const roomId of ["0", ...privateRooms.map((r) => r.roomId)]) if ((await cluster.masterOf(`room:${roomId}`)) === port) rooms.push(roomId);
  return rooms;
}
