/**
 * Connection storm: `stormSockets` sockets (sharing `stormUsers` users) connect as fast as the
 * agents can open them. Measures the time to connect all, how the rate holds up as the server
 * fills (linearity: the last thousand should not take longer than the first), server CPU for the
 * storm, RSS growth per connection, and the presence traffic the clients received.
 */
import type { SocketSpec } from "../agent-protocol.js";
import { startAgents } from "../agents.js";
import { sampleTarget, type BenchContext } from "../context.js";
import { sleep } from "../limit.js";
import { procDelta, round, sampleProc, type ProcDelta } from "../procstat.js";
import { redisDelta, redisSnapshot } from "../redis-stats.js";
import { connectAll, waitForQuiet } from "../step.js";
import { GENERAL_ROOM_ID } from "../../src/protocol/index.js";

export interface StormResult {
  sockets: number;
  users: number;
  agents: number;
  concurrencyPerAgent: number;
  connected: number;
  failed: number;
  errors: string[];
  connectWallMs: number;
  /** time until 10 %, 20 %, ... 100 % of the sockets were connected */
  deciles: number[];
  /** ms for each successive tenth of the sockets (flat = linear) */
  decileDurationsMs: number[];
  settleMs: number;
  /** CPU used by other users of the machine just before the storm */
  otherCoresBefore: number | null;
  /** server CPU from the first connection to the last */
  connectServerCpuMs: number | null;
  server: (ProcDelta & { name: string }) | null;
  rssBeforeMB: number | null;
  rssAfterMB: number | null;
  memoryPerConnectionKB: number | null;
  /**
   * Read from the server itself (bench/server-probe.mjs), started servers only: what one idle socket
   * costs with its subscriptions held (rooms joined, bus channels subscribed), after a full garbage
   * collection before and after the storm, and the server's CPU time (process.cpuUsage) per
   * connection from before the first handshake until the storm settled.
   */
  idle: {
    heapPerSocketKB: number;
    externalPerSocketKB: number;
    /** heap + external: the figure the target (10 KB) is about */
    perSocketKB: number;
    rssPerSocketKB: number;
    heapBeforeMB: number;
    heapAfterMB: number;
    cpuMs: number;
    cpuPerConnectionMs: number;
  } | null;
  redisCommands: Record<string, number> | null;
  redisCommandsPerConnection: number | null;
  presence: { events: number; batchEvents: number; usersInBatches: number; perSocket: number };
  disconnectMs: number;
  disconnectServerCpuMs: number | null;
  clientCpuMs: number;
}

/** Waits until the server has used < 5 % of a core over 500 ms (or 30 s passed). */
async function settle(pid: number | null): Promise<number> {
  const started = performance.now();
  if (!pid) {
    await sleep(3000);
    return 3000;
  }
  let last = sampleProc(pid);
  while (performance.now() - started < 30_000) {
    await sleep(500);
    const now = sampleProc(pid);
    if (!last || !now) break;
    if (now.cpuMs - last.cpuMs < 25) break;
    last = now;
  }
  return Math.round(performance.now() - started);
}

export async function runStorm(ctx: BenchContext): Promise<StormResult> {
  const { options } = ctx;
  const targets = await ctx.startServers(1, "storm");
  const target = targets[0]!;
  const agents = await startAgents(options.agents);
  try {
    ctx.pool.setUrl(target.url);
    const users = await ctx.pool.ensure(options.stormUsers);
    const sockets: SocketSpec[][] = agents.map(() => []);
    // A user's sockets are consecutive, so users keep coming online all through the storm: each
    // presence change then meets an ever larger audience (the case that must stay linear).
    for (let i = 0; i < options.stormSockets; i++) {
      const user = users[Math.floor((i * users.length) / options.stormSockets)]!;
      sockets[i % agents.length]!.push({ index: i, url: target.url, cookie: user.cookie, userId: user.id, rooms: [GENERAL_ROOM_ID], batch: options.batch });
    }
    await Promise.all(agents.map((a) => a.counters(true)));
    await sleep(1000);
    const quietMs = Number(process.env.BENCH_QUIET_WAIT_MS ?? 30_000);
    const otherCores = quietMs > 0 ? await waitForQuiet({ agents, targets }, quietMs) : null;
    const probeBefore = (await target.probe?.()) ?? null;
    const before = sampleTarget(target);
    const agentsBefore = agents.map((a) => a.sample());
    const redisBefore = ctx.redisUrl ? await redisSnapshot(ctx.redisUrl) : null;
    console.log(`bench: storm: connecting ${options.stormSockets} sockets (${users.length} users, ${options.connectConcurrency} in flight per agent)`);
    const connect = await connectAll({ agents, sockets }, options.connectConcurrency, 60_000);
    const afterConnect = sampleTarget(target);
    const settleMs = await settle(target.pid);
    const after = sampleTarget(target);
    const probeAfter = (await target.probe?.()) ?? null;
    const agentsAfter = agents.map((a) => a.sample());
    const redisAfter = ctx.redisUrl ? await redisSnapshot(ctx.redisUrl) : null;
    const counters = await Promise.all(agents.map((a) => a.counters()));
    const n = connect.doneAt.length;
    const deciles = Array.from({ length: 10 }, (_, d) => Math.round(connect.doneAt[Math.max(0, Math.ceil(((d + 1) / 10) * n) - 1)] ?? 0));
    const decileDurationsMs = deciles.map((t, d) => t - (d ? deciles[d - 1]! : 0));
    const idle = probeBefore && probeAfter && n ? {
      heapPerSocketKB: round((probeAfter.heapUsedBytes - probeBefore.heapUsedBytes) / 1024 / n, 2),
      externalPerSocketKB: round((probeAfter.externalBytes - probeBefore.externalBytes) / 1024 / n, 2),
      perSocketKB: round((probeAfter.heapUsedBytes + probeAfter.externalBytes - probeBefore.heapUsedBytes - probeBefore.externalBytes) / 1024 / n, 2),
      rssPerSocketKB: round((probeAfter.rssBytes - probeBefore.rssBytes) / 1024 / n, 2),
      heapBeforeMB: round(probeBefore.heapUsedBytes / 2 ** 20, 1),
      heapAfterMB: round(probeAfter.heapUsedBytes / 2 ** 20, 1),
      cpuMs: Math.round(probeAfter.cpuMs - probeBefore.cpuMs),
      cpuPerConnectionMs: round((probeAfter.cpuMs - probeBefore.cpuMs) / n, 3),
    } : null;
    if (idle) console.log(`bench: storm: idle socket with subscriptions held: ${idle.perSocketKB} KB (heap ${idle.heapPerSocketKB} + external ${idle.externalPerSocketKB}; RSS ${idle.rssPerSocketKB}) after a full GC; server CPU ${idle.cpuMs} ms = ${idle.cpuPerConnectionMs} ms per connection (process.cpuUsage)`);
    console.log(`bench: storm: ${connect.connected} connected, ${connect.failed} failed in ${Math.round(connect.wallMs)} ms; deciles ${deciles.join(" ")} ms; settled after ${settleMs} ms ${connect.errors.join("; ")}`);

    const disconnectStarted = performance.now();
    const cpuBeforeDisconnect = sampleTarget(target);
    await Promise.all(agents.map((a) => a.disconnect()));
    await settle(target.pid);
    const disconnectMs = Math.round(performance.now() - disconnectStarted);
    const cpuAfterDisconnect = sampleTarget(target);

    const serverDelta = procDelta(before, after);
    const redis = redisBefore && redisAfter ? redisDelta(redisBefore, redisAfter) : null;
    const presenceEvents = counters.reduce((s, c) => s + c.presenceEvents, 0);
    const presenceBatchEvents = counters.reduce((s, c) => s + c.presenceBatchEvents, 0);
    const usersInBatches = counters.reduce((s, c) => s + c.presenceUsers, 0);
    const rssBefore = before ? before.rssBytes : null;
    const rssAfter = after ? after.rssBytes : null;
    return {
      sockets: options.stormSockets,
      users: users.length,
      agents: agents.length,
      concurrencyPerAgent: options.connectConcurrency,
      connected: connect.connected,
      failed: connect.failed,
      errors: connect.errors,
      connectWallMs: Math.round(connect.wallMs),
      deciles,
      decileDurationsMs,
      settleMs,
      server: serverDelta ? { name: target.name, ...serverDelta } : null,
      rssBeforeMB: rssBefore === null ? null : round(rssBefore / 2 ** 20, 1),
      rssAfterMB: rssAfter === null ? null : round(rssAfter / 2 ** 20, 1),
      idle,
      memoryPerConnectionKB: rssBefore !== null && rssAfter !== null && n ? round((rssAfter - rssBefore) / 1024 / n, 1) : null,
      redisCommands: redis?.calls ?? null,
      redisCommandsPerConnection: redis && n ? round(redis.totalCalls / n, 2) : null,
      presence: { events: presenceEvents, batchEvents: presenceBatchEvents, usersInBatches, perSocket: n ? round((presenceEvents + usersInBatches) / n, 1) : 0 },
      disconnectMs,
      disconnectServerCpuMs: cpuBeforeDisconnect && cpuAfterDisconnect ? Math.round(cpuAfterDisconnect.cpuMs - cpuBeforeDisconnect.cpuMs) : null,
      clientCpuMs: Math.round(agents.reduce((s, _a, i) => s + (procDelta(agentsBefore[i] ?? null, agentsAfter[i] ?? null)?.cpuMs ?? 0), 0)),
      otherCoresBefore: otherCores,
      connectServerCpuMs: before && afterConnect ? Math.round(afterConnect.cpuMs - before.cpuMs) : null,
    };
  } finally {
    for (const agent of agents) agent.stop();
    await Promise.all(targets.map((t) => t.stop()));
  }
}
