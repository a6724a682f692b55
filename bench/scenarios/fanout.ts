/**
 * Fan-out: one room (General, where every user is) of `members` sockets, `senders` of which send
 * at the step's rate; every message goes to every other member. With `instances: 2` the members
 * are split over two server processes on one Redis (the pub/sub bridge carries half the deliveries).
 */
import type { SenderSpec, SocketSpec } from "../agent-protocol.js";
import { startAgents } from "../agents.js";
import type { BenchContext, Target } from "../context.js";
import type { ServerProbe } from "../launcher.js";
import { round } from "../procstat.js";
import { sleep } from "../limit.js";
import { perMessageCounts, startMonitor } from "../redis-monitor.js";
import { connectAll, describeStep, runStep, type StepResult } from "../step.js";
import { GENERAL_ROOM_ID, TYPING_THROTTLE_MS } from "../../src/protocol/index.js";

export const FANOUT_RATES = [100, 200, 400, 800, 1600];

export interface FanoutResult {
  instances: number;
  members: number;
  senders: number;
  /** members that also sent `typing` every 3 s during each step (`--typers`) */
  typers: number;
  agents: number;
  connect: { wallMs: number; connected: number; failed: number; errors: string[] };
  steps: StepResult[];
  /** `redis-cli monitor` during a separate 100 msg/s step: round trips and script commands per message */
  redisRoundTrips: { rate: number; messages: number; roundTripsPerMessage: number; client: Record<string, number>; lua: Record<string, number> } | null;
}

async function serverMemory(targets: Target[]): Promise<StepResult["serverMemory"]> {
  const probes = await Promise.all(targets.map((t) => t.probe?.() ?? Promise.resolve(null)));
  if (probes.some((p) => !p)) return undefined;
  const mb = (f: (p: ServerProbe) => number) => round(probes.reduce((n, p) => n + f(p!), 0) / 2 ** 20, 1);
  const peaks = probes.map((p) => p!.peak);
  const peakMB = (f: (p: NonNullable<ServerProbe["peak"]>) => number) => round(peaks.reduce((n, p) => n + f(p!), 0) / 2 ** 20, 1);
  return {
    heapUsedMB: mb((p) => p.heapUsedBytes), heapTotalMB: mb((p) => p.heapTotalBytes), externalMB: mb((p) => p.externalBytes), rssMB: mb((p) => p.rssBytes),
    ...(peaks.every(Boolean) ? {
      peak: {
        rssMB: peakMB((p) => p.rss), heapTotalMB: peakMB((p) => p.heapTotal), heapUsedMB: peakMB((p) => p.heapUsed), externalMB: peakMB((p) => p.external),
        newSpaceMB: peakMB((p) => p.spaces.new_space ?? 0), oldSpaceMB: peakMB((p) => p.spaces.old_space ?? 0), outsideHeapMB: peakMB((p) => p.rss - p.heapTotal),
      },
    } : {}),
  };
}

export async function runFanout(ctx: BenchContext, instances: 1 | 2): Promise<FanoutResult> {
  const { options } = ctx;
  const label = instances === 1 ? "fanout" : "two-instances";
  const targets = await ctx.startServers(instances, label);
  const agents = await startAgents(options.agents);
  try {
    ctx.pool.setUrl(targets[0]!.url);
    const users = await ctx.pool.ensure(options.members);
    const sockets: SocketSpec[][] = agents.map(() => []);
    const senders: SenderSpec[][] = agents.map(() => []);
    const senderEvery = options.members / Math.max(1, Math.min(options.senders, options.members));
    let nextSender = 0;
    // --typers: members that are not senders also type (typing events every TYPING_THROTTLE_MS).
    const typers = agents.map(() => ({ sockets: [] as number[], roomId: GENERAL_ROOM_ID, everyMs: TYPING_THROTTLE_MS }));
    let typersLeft = options.typers;
    users.forEach((user, i) => {
      const agent = i % agents.length;
      const target = targets[Math.floor(i / agents.length) % targets.length]!;
      sockets[agent]!.push({ index: i, url: target.url, cookie: user.cookie, userId: user.id, rooms: [GENERAL_ROOM_ID], batch: options.batch });
      if (nextSender < options.senders && i >= Math.floor(nextSender * senderEvery)) {
        senders[agent]!.push({ sender: nextSender, socket: i, roomId: GENERAL_ROOM_ID });
        nextSender++;
      } else if (typersLeft > 0 && i % 2 === 1) {
        typers[agent]!.sockets.push(i);
        typersLeft--;
      }
    });
    const connect = await connectAll({ agents, sockets }, options.connectConcurrency);
    console.log(`bench: ${label}: ${connect.connected} sockets connected in ${Math.round(connect.wallMs)} ms (${connect.failed} failed ${connect.errors.join("; ")})`);
    if (connect.failed) throw new Error(`${label}: ${connect.failed} sockets failed to connect: ${connect.errors.join("; ")}`);
    await sleep(1000); // let the presence traffic of the connections settle
    const layout = { agents, sockets, senders, targets, redisUrl: ctx.redisUrl, ...(options.typers > 0 ? { typers } : {}) };
    const rates = options.rates ?? FANOUT_RATES;
    // Warm-up (JIT, first-message paths), not recorded.
    const warm = await runStep(layout, { step: 0, rate: rates[0]!, durationMs: 2000, drainMs: options.drainMs, padding: options.padding, clientId: options.clientId, label: "warm-up" });
    console.log(`bench: ${label}: ${describeStep(warm)}`);
    const steps: StepResult[] = [];
    for (const [i, rate] of rates.entries()) {
      const result = await runStep(layout, { step: i + 1, rate, durationMs: options.durationMs, drainMs: options.drainMs, padding: options.padding, clientId: options.clientId, label: `${rate} msg/s` });
      // After the step's figures are taken: what of the RSS is live heap (collected twice first).
      result.serverMemory = await serverMemory(targets);
      console.log(`bench: ${label}: ${describeStep(result)}`);
      steps.push(result);
    }
    let redisRoundTrips: FanoutResult["redisRoundTrips"] = null;
    if (ctx.redisUrl) {
      const monitor = startMonitor(ctx.redisUrl);
      await sleep(300);
      const probe = await runStep(layout, { step: rates.length + 1, rate: 100, durationMs: 2000, drainMs: options.drainMs, padding: options.padding, clientId: options.clientId, label: "monitor" });
      const counts = await monitor.stop();
      const client = perMessageCounts(counts.client, probe.ackOk);
      redisRoundTrips = {
        rate: 100,
        messages: probe.ackOk,
        roundTripsPerMessage: Math.round((Object.values(counts.client).reduce((a, b) => a + b, 0) / Math.max(1, probe.ackOk)) * 100) / 100,
        client,
        lua: perMessageCounts(counts.lua, probe.ackOk),
      };
      console.log(`bench: ${label}: redis-cli monitor: ${redisRoundTrips.roundTripsPerMessage} round trips per message ${JSON.stringify(client)}, in scripts ${JSON.stringify(redisRoundTrips.lua)}`);
    }
    await Promise.all(agents.map((a) => a.disconnect()));
    return {
      redisRoundTrips,
      instances,
      members: options.members,
      senders: senders.reduce((n, s) => n + s.length, 0),
      typers: options.typers > 0 ? typers.reduce((n, t) => n + t.sockets.length, 0) : 0,
      agents: agents.length,
      connect: { wallMs: Math.round(connect.wallMs), connected: connect.connected, failed: connect.failed, errors: connect.errors },
      steps,
    };
  } finally {
    for (const agent of agents) agent.stop();
    await Promise.all(targets.map((t) => t.stop()));
  }
}
