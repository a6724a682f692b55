/**
 * `npm run bench -- --scenario bus [--messages 400] [--people 160] [--instances 1,2,4,8] [--modes seed,sharded]`
 *
 * The bus on a three-master Redis Cluster (issue 17): for each PUBSUB_MODE and each number N of
 * instances (in this process), `people` people each hold one socket on an instance chosen at
 * random, paired at random into one-to-one conversations and grouped at random into rooms of 20;
 * `messages` messages go to a random conversation or room from a random member. Reported per run:
 * messages, deliveries lost and duplicated (every member's socket must get each message once),
 * envelopes the instances received per message (their own echo included) against the minimum (the
 * number of instances holding a member's socket), Redis output bytes per message (every node), and
 * cluster-bus publish messages per message (CLUSTER INFO: what crossed the bus between nodes), with
 * the bytes that makes (each cluster-bus message carries a 2,256-byte header, plus the envelope).
 *
 * Bounded for a small machine: everything runs in one process against loopback Redis nodes.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import type { ChatMessage, MessageAck } from "../../src/protocol/index.js";
import type { PubSubMode } from "../../src/server/redis/bus.js";
import { api, connect, login, type ClientSocket, type SignedIn } from "../../test/support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../../test/support/chat-server.js";
import { cli, startRedisCluster, type RedisClusterHandle } from "../../test/support/redis-cluster.js";

/** The fixed part of every cluster-bus message (clusterMsg header with its 16384-slot bitmap). */
const CLUSTER_BUS_HEADER_BYTES = 2256;
const GROUP_SIZE = 20;

interface BusRun {
  mode: PubSubMode;
  instances: number;
  messages: number;
  lost: number;
  duplicated: number;
  envelopesPerMessage: number;
  minimumPerMessage: number;
  ratioToMinimum: number;
  redisOutputBytesPerMessage: number;
  clusterBusPublishesPerMessage: number;
  clusterBusBytesPerMessage: number;
  idleClusterBusBytesPerSecond: number;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return argv[i]!.includes("=") ? argv[i]!.split("=")[1] : argv[i + 1];
}

const shuffle = <T>(items: T[]): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

async function nodeStats(cluster: RedisClusterHandle): Promise<{ output: number; busPublishes: number; busMessages: number }> {
  let output = 0;
  let busPublishes = 0;
  let busMessages = 0;
  for (const node of cluster.nodes) {
    const info = await cli(node.port, "info", "stats");
    output += Number(/total_net_output_bytes:(\d+)/.exec(info)?.[1] ?? 0);
    const clusterInfo = await cli(node.port, "cluster", "info");
    busPublishes += Number(/cluster_stats_messages_publish_sent:(\d+)/.exec(clusterInfo)?.[1] ?? 0);
    busPublishes += Number(/cluster_stats_messages_publishshard_sent:(\d+)/.exec(clusterInfo)?.[1] ?? 0);
    busMessages += Number(/cluster_stats_messages_sent:(\d+)/.exec(clusterInfo)?.[1] ?? 0);
  }
  return { output, busPublishes, busMessages };
}

async function envelopesReceived(servers: RunningChatServer[]): Promise<number> {
  let total = 0;
  for (const server of servers) {
    const metric = await server.instance.ctx.metrics.busEnvelopes.get();
    for (const value of metric.values) if (value.labels.type === "message") total += value.value;
  }
  return total;
}

async function runOne(cluster: RedisClusterHandle, mode: PubSubMode, n: number, people: number, messages: number): Promise<BusRun> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => startChatServer({ redisUrl: `redis://${cluster.seeds[0]}`, redisClusterNodes: cluster.seeds, pubsubMode: mode })),
  );
  const sockets: ClientSocket[] = [];
  try {
    const tag = `${mode}${n}x${Date.now().toString(36)}`;
    const users: SignedIn[] = [];
    for (let i = 0; i < people; i++) users.push(await login(servers[i % n]!.url, `${tag}p${i}`));
    const home = new Map<number, number>(users.map((u) => [u.user.id, Math.floor(Math.random() * n)]));
    // Rooms: one-to-one pairs and groups of 20, at random.
    const order = shuffle(users);
    const rooms: { id: string; members: SignedIn[]; oneToOne: boolean }[] = [];
    for (let i = 0; i + 1 < order.length; i += 2) {
      const [x, y] = [order[i]!, order[i + 1]!];
      rooms.push({ id: `${Math.min(x.user.id, y.user.id)}:${Math.max(x.user.id, y.user.id)}`, members: [x, y], oneToOne: true });
    }
    const grouped = shuffle(users);
    for (let i = 0; i + GROUP_SIZE <= grouped.length; i += GROUP_SIZE) {
      const members = grouped.slice(i, i + GROUP_SIZE);
      const created = await api(servers[0]!.url, "/rooms", members[0]!.cookie, {
        method: "POST",
        body: JSON.stringify({ name: `${tag}-g${i}`, members: members.slice(1).map((m) => m.user.id) }),
      });
      if (created.status !== 201) throw new Error(`POST /rooms: ${created.status} ${JSON.stringify(created.body)}`);
      rooms.push({ id: String(created.body.id), members, oneToOne: false });
    }
    // Each person's socket on their instance; what each receives, by message id.
    const received = new Map<string, Map<number, number>>();
    const socketOf = new Map<number, ClientSocket>();
    for (const user of users) {
      const socket = await connect(servers[home.get(user.user.id)!]!.url, user.cookie, { batch: true });
      const note = (m: ChatMessage) => {
        const byUser = received.get(m.id) ?? new Map<number, number>();
        byUser.set(user.user.id, (byUser.get(user.user.id) ?? 0) + 1);
        received.set(m.id, byUser);
      };
      socket.on("message.batch", (b) => b.messages.forEach(note));
      sockets.push(socket);
      socketOf.set(user.user.id, socket);
    }
    // Open every one-to-one room once (their first message announces them), outside the measure.
    for (const room of rooms.filter((r) => r.oneToOne)) {
      const ack = (await socketOf.get(room.members[0]!.user.id)!.timeout(5000).emitWithAck("message", { roomId: room.id, message: "hi" })) as MessageAck;
      if (!ack.ok) throw new Error(ack.error);
    }
    await new Promise((r) => setTimeout(r, 1500));
    received.clear();

    const idleBefore = await nodeStats(cluster);
    await new Promise((r) => setTimeout(r, 2000));
    const idleAfter = await nodeStats(cluster);
    const idleBusBytesPerSecond = ((idleAfter.busMessages - idleBefore.busMessages) * CLUSTER_BUS_HEADER_BYTES) / 2;

    const envelopesBefore = await envelopesReceived(servers);
    const before = await nodeStats(cluster);
    const startedAt = Date.now();
    const sent: { id: string; room: (typeof rooms)[number] }[] = [];
    let minimum = 0;
    const CONCURRENCY = 8;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < messages) {
          next++;
          const room = rooms[Math.floor(Math.random() * rooms.length)]!;
          const sender = room.members[Math.floor(Math.random() * room.members.length)]!;
          const ack = (await socketOf.get(sender.user.id)!.timeout(10_000).emitWithAck("message", { roomId: room.id, message: "bench" })) as MessageAck;
          if (!ack.ok) throw new Error(ack.error);
          sent.push({ id: ack.message.id, room });
          const needed = new Set(room.members.map((m) => home.get(m.user.id)!)).size;
          minimum += needed;
        }
      }),
    );
    const elapsedMs = Date.now() - startedAt;
    await new Promise((r) => setTimeout(r, 1500));
    const after = await nodeStats(cluster);
    const envelopes = (await envelopesReceived(servers)) - envelopesBefore;
    let lost = 0;
    let duplicated = 0;
    for (const { id, room } of sent) {
      const got = received.get(id) ?? new Map<number, number>();
      for (const member of room.members) {
        const count = got.get(member.user.id) ?? 0;
        if (count === 0) lost++;
        if (count > 1) duplicated += count - 1;
      }
    }
    const perMessage = envelopes / sent.length;
    const busPublishes = (after.busPublishes - before.busPublishes) / sent.length;
    const busBytes = ((after.busMessages - before.busMessages) * CLUSTER_BUS_HEADER_BYTES) / sent.length - (idleBusBytesPerSecond * elapsedMs) / 1000 / sent.length;
    return {
      mode,
      instances: n,
      messages: sent.length,
      lost,
      duplicated,
      envelopesPerMessage: round(perMessage),
      minimumPerMessage: round(minimum / sent.length),
      ratioToMinimum: round(envelopes / minimum),
      redisOutputBytesPerMessage: Math.round((after.output - before.output) / sent.length),
      clusterBusPublishesPerMessage: round(busPublishes),
      clusterBusBytesPerMessage: Math.max(0, Math.round(busBytes)),
      idleClusterBusBytesPerSecond: Math.round(idleBusBytesPerSecond),
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await Promise.allSettled(servers.map((s) => s.close()));
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

export async function runBus(argv: string[]): Promise<void> {
  const messages = Number(argValue(argv, "messages") ?? 400);
  const people = Number(argValue(argv, "people") ?? 160);
  const counts = (argValue(argv, "instances") ?? "1,2,4,8").split(",").map(Number);
  const modes = (argValue(argv, "modes") ?? "seed,sharded").split(",") as PubSubMode[];
  console.log(`bench bus: three-master Redis Cluster; ${people} people, ${messages} messages per run; instances ${counts.join(",")}; modes ${modes.join(",")}`);
  const cluster = await startRedisCluster({ masters: 3, replicas: 0 });
  const runs: BusRun[] = [];
  try {
    await cluster.waitHealthy();
    for (const mode of modes) {
      for (const n of counts) {
        const run = await runOne(cluster, mode, n, people, messages);
        runs.push(run);
        console.log(JSON.stringify(run));
      }
    }
  } finally {
    await cluster.stop();
  }
  mkdirSync("docs/benchmarks", { recursive: true });
  writeFileSync("docs/benchmarks/latest-bus.json", JSON.stringify({ command: `npm run bench -- ${argv.join(" ")}`, finishedAt: new Date().toISOString(), runs }, null, 2) + "\n");
  console.log("\n| mode | N | messages | lost | dup | envelopes/msg | minimum/msg | ratio | Redis out B/msg | bus publishes/msg | bus B/msg (above idle) |");
  console.log("|---|---|---|---|---|---|---|---|---|---|---|");
  for (const r of runs) {
    console.log(`| ${r.mode} | ${r.instances} | ${r.messages} | ${r.lost} | ${r.duplicated} | ${r.envelopesPerMessage} | ${r.minimumPerMessage} | ${r.ratioToMinimum} | ${r.redisOutputBytesPerMessage} | ${r.clusterBusPublishesPerMessage} | ${r.clusterBusBytesPerMessage} |`);
  }
  console.log("bench bus: wrote docs/benchmarks/latest-bus.json");
}
