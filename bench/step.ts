/**
 * One measured step at a fixed send rate: send for the duration, drain, then collect what every
 * receiver got against what every sender had acknowledged.
 */
import type { Agent } from "./agents.js";
import type { AgentCounters, ReceiveResult, SenderSpec, SendResult, SendersReply, SocketSpec } from "./agent-protocol.js";
import { sampleTarget, type Target } from "./context.js";
import { createHistogram, mergeInto, summarize, type LatencySummary } from "./histogram.js";
import { sleep } from "./limit.js";
import { procDelta, round, sampleSystem, systemCores, type ProcDelta } from "./procstat.js";
import { perMessage, redisDelta, redisSnapshot } from "./redis-stats.js";

export interface Layout {
  agents: Agent[];
  /** socket specs per agent (same order as agents) */
  sockets: SocketSpec[][];
  /** senders per agent */
  senders: SenderSpec[][];
  /** per agent: its sockets that send `typing` during each step (fan-out `--typers`) */
  typers?: { sockets: number[]; roomId: string; everyMs: number }[];
  targets: Target[];
  redisUrl: string | null;
}

export interface StepResult {
  label: string;
  rateIn: number;
  durationMs: number;
  sent: number;
  sentPerSec: number;
  ackOk: number;
  ackErrors: number;
  unacked: number;
  expected: number;
  delivered: number;
  deliveredPerSec: number;
  lost: number;
  lossPct: number;
  duplicates: number;
  selfDeliveries: number;
  foreignRoom: number;
  unacknowledgedDeliveries: number;
  stale: number;
  socketsWithLoss: number;
  latency: LatencySummary;
  ackLatency: LatencySummary;
  servers: (ProcDelta & { name: string })[];
  serverCores: number;
  serverRssMB: number;
  /**
   * Fan-out: the servers' memory after the step, after two full collections (bench/server-probe.mjs):
   * live heap vs RSS tells a leak from what the allocator keeps.
   */
  serverMemory?: {
    heapUsedMB: number; heapTotalMB: number; externalMB: number; rssMB: number;
    /** the sample with the highest RSS during the step (no collection forced): RSS, V8 heap, and the rest */
    peak?: { rssMB: number; heapTotalMB: number; heapUsedMB: number; externalMB: number; newSpaceMB: number; oldSpaceMB: number; outsideHeapMB: number };
  };
  clientCores: number;
  clientMaxLagMs: number;
  clientEventLoopP99Ms: number;
  /** busy cores of the whole machine during the step, and what of it was none of ours (other users of the box) */
  machineCores: number | null;
  otherCores: number | null;
  redis: { cpuMs: number; cores: number; commandsPerMessage: number; perMessage: Record<string, number> } | null;
  frames: { batchEvents: number; messagesPerBatch: number; messageEvents: number; presenceEvents: number; presenceBatchEvents: number; showRoomEvents: number; invalidPayloads: number; disconnects: number };
  /** with typing traffic on: `typing` events sent by the typers and received by members */
  typing?: { sent: number; received: number };
  drainMs: number;
}

export function splitRate(rate: number, senders: SenderSpec[][]): number[] {
  const total = senders.reduce((n, s) => n + s.length, 0);
  return senders.map((s) => (total ? (rate * s.length) / total : 0));
}

async function drain(agents: Agent[], maxMs: number): Promise<{ drainMs: number; lastGrowthMs: number }> {
  const started = performance.now();
  let last = -1;
  let stableSince = 0;
  let lastGrowthMs = 0;
  for (;;) {
    const counters = await Promise.all(agents.map((a) => a.counters()));
    const deliveries = counters.reduce((n, c) => n + c.stepDeliveries, 0);
    const pending = counters.reduce((n, c) => n + c.pendingAcks, 0);
    const elapsed = performance.now() - started;
    if (deliveries !== last) {
      last = deliveries;
      stableSince = elapsed;
      lastGrowthMs = elapsed;
    }
    if ((pending === 0 && elapsed - stableSince >= 400) || elapsed >= maxMs) return { drainMs: Math.round(elapsed), lastGrowthMs };
    await sleep(100);
  }
}

/**
 * The machine is shared (other sessions build and test on it): before a step, wait until what is
 * not ours uses less than `threshold` cores over a second, for at most `maxMs`. Returns the
 * background load seen last.
 */
export async function waitForQuiet(layout: Pick<Layout, "agents" | "targets">, maxMs: number, threshold = 0.35): Promise<number | null> {
  const started = performance.now();
  let others: number | null = null;
  let announced = false;
  while (performance.now() - started < maxMs) {
    const sys = sampleSystem();
    const procs = [...layout.targets.map(sampleTarget), ...layout.agents.map((a) => a.sample())];
    const self = process.cpuUsage();
    await sleep(1000);
    const sys2 = sampleSystem();
    const procs2 = [...layout.targets.map(sampleTarget), ...layout.agents.map((a) => a.sample())];
    const selfDelta = process.cpuUsage(self);
    const machine = systemCores(sys, sys2);
    if (machine === null) return null;
    const oursMs = procs.reduce((n, p, i) => n + (procDelta(p, procs2[i] ?? null)?.cpuMs ?? 0), 0) + (selfDelta.user + selfDelta.system) / 1000;
    others = round(Math.max(0, machine - oursMs / 1000), 2);
    if (others < threshold) return others;
    if (!announced) {
      console.log(`bench: waiting for the machine to quieten (others use ${others} cores)`);
      announced = true;
    }
  }
  console.log(`bench: machine still busy (others ${others} cores); measuring anyway`);
  return others;
}

export async function runStep(layout: Layout, options: { step: number; rate: number; durationMs: number; drainMs: number; padding: number; clientId: boolean; label: string }): Promise<StepResult> {
  const { agents, targets } = layout;
  const quietMs = Number(process.env.BENCH_QUIET_WAIT_MS ?? 30_000);
  if (quietMs > 0) await waitForQuiet(layout, quietMs);
  await Promise.all(agents.map((a) => a.counters(true)));
  const rates = splitRate(options.rate, layout.senders);
  const redisBefore = layout.redisUrl ? await redisSnapshot(layout.redisUrl) : null;
  const serversBefore = targets.map(sampleTarget);
  const agentsBefore = agents.map((a) => a.sample());
  const systemBefore = sampleSystem();
  const selfBefore = process.cpuUsage();
  const started = performance.now();
  const sendResults: SendResult[] = await Promise.all(
    agents.map((agent, i) =>
      agent.send({ step: options.step, senders: layout.senders[i]!, rate: rates[i]!, durationMs: options.durationMs, padding: options.padding, clientId: options.clientId, typers: layout.typers?.[i] }),
    ),
  );
  const sendMs = performance.now() - started;
  const { drainMs, lastGrowthMs } = await drain(agents, options.drainMs);
  const wallMs = performance.now() - started;
  const serversAfter = targets.map(sampleTarget);
  const agentsAfter = agents.map((a) => a.sample());
  const systemAfter = sampleSystem();
  const selfCpu = process.cpuUsage(selfBefore);
  const redisAfter = layout.redisUrl ? await redisSnapshot(layout.redisUrl) : null;
  const counters: AgentCounters[] = await Promise.all(agents.map((a) => a.counters()));

  const senderReplies: SendersReply[] = await Promise.all(agents.map((a) => a.senders()));
  const senders = senderReplies.flatMap((r) => r.senders);
  const ackHist = createHistogram();
  for (const r of senderReplies) mergeInto(ackHist, r.ackLatency);
  const collect = {
    step: options.step,
    senders: senders.map((s) => ({ sender: s.sender, socket: s.socket, roomId: s.roomId, okBits: s.okBits, ackOk: s.ackOk })),
  };
  const received: ReceiveResult[] = await Promise.all(agents.map((a) => a.collect(collect)));
  const latency = createHistogram();
  for (const r of received) mergeInto(latency, r.latency);
  const sum = (f: (r: ReceiveResult) => number) => received.reduce((n, r) => n + f(r), 0);

  const sent = sendResults.reduce((n, r) => n + r.sent, 0);
  const ackOk = senders.reduce((n, s) => n + s.ackOk, 0);
  const expected = sum((r) => r.expected);
  const delivered = sum((r) => r.delivered);
  const servers = targets.flatMap((t, i) => {
    const d = procDelta(serversBefore[i] ?? null, serversAfter[i] ?? null);
    return d ? [{ name: t.name, ...d }] : [];
  });
  const clientCpuMs = agents.reduce((n, _a, i) => n + (procDelta(agentsBefore[i] ?? null, agentsAfter[i] ?? null)?.cpuMs ?? 0), 0);
  const activeMs = sendMs + lastGrowthMs;
  const machineCores = systemCores(systemBefore, systemAfter);
  const batchEvents = counters.reduce((n, c) => n + c.batchEvents, 0);
  let redis: StepResult["redis"] = null;
  let ours = servers.reduce((n, s) => n + s.cpuMs, 0) + clientCpuMs + (selfCpu.user + selfCpu.system) / 1000;
  if (redisBefore && redisAfter) {
    const delta = redisDelta(redisBefore, redisAfter);
    ours += delta.cpuMs;
    redis = {
      cpuMs: delta.cpuMs,
      cores: round(delta.cpuMs / wallMs, 3),
      commandsPerMessage: ackOk ? round(delta.totalCalls / ackOk, 2) : 0,
      perMessage: perMessage(delta, ackOk),
    };
  }
  return {
    label: options.label,
    rateIn: options.rate,
    durationMs: options.durationMs,
    sent,
    sentPerSec: round(sent / (sendMs / 1000), 1),
    ackOk,
    ackErrors: senders.reduce((n, s) => n + s.ackError, 0),
    unacked: senders.reduce((n, s) => n + s.unacked, 0),
    expected,
    delivered,
    deliveredPerSec: Math.round(delivered / (activeMs / 1000)),
    lost: expected - delivered,
    lossPct: expected ? round(((expected - delivered) / expected) * 100, 3) : 0,
    duplicates: sum((r) => r.duplicates),
    selfDeliveries: sum((r) => r.self),
    foreignRoom: sum((r) => r.foreignRoom),
    unacknowledgedDeliveries: sum((r) => r.unacknowledged),
    stale: sum((r) => r.stale),
    socketsWithLoss: sum((r) => r.socketsWithLoss),
    latency: summarize(latency),
    ackLatency: summarize(ackHist),
    servers,
    serverCores: round(servers.reduce((n, s) => n + s.cpuMs, 0) / wallMs, 3),
    serverRssMB: round(servers.reduce((n, s) => n + s.rssAfterMB, 0), 1),
    clientCores: round(clientCpuMs / wallMs, 3),
    clientMaxLagMs: Math.max(...sendResults.map((r) => r.maxLagMs)),
    clientEventLoopP99Ms: Math.max(...counters.map((c) => c.eventLoopP99Ms)),
    machineCores,
    otherCores: machineCores === null ? null : round(Math.max(0, machineCores - ours / wallMs), 2),
    redis,
    frames: {
      batchEvents,
      messagesPerBatch: batchEvents ? round(counters.reduce((n, c) => n + c.messagesInBatches, 0) / batchEvents, 1) : 0,
      messageEvents: counters.reduce((n, c) => n + c.messageEvents, 0),
      presenceEvents: counters.reduce((n, c) => n + c.presenceEvents, 0),
      presenceBatchEvents: counters.reduce((n, c) => n + c.presenceBatchEvents, 0),
      showRoomEvents: counters.reduce((n, c) => n + c.showRoomEvents, 0),
      invalidPayloads: counters.reduce((n, c) => n + c.invalidPayloads, 0),
      disconnects: counters.reduce((n, c) => n + c.disconnects, 0),
    },
    ...(layout.typers ? { typing: { sent: sendResults.reduce((n, r) => n + (r.typingSent ?? 0), 0), received: counters.reduce((n, c) => n + c.typingEvents, 0) } } : {}),
    drainMs,
  };
}

export function describeStep(r: StepResult): string {
  const l = r.latency;
  return `${r.label}: sent ${r.sentPerSec}/s ok ${r.ackOk} err ${r.ackErrors} | delivered ${r.delivered}/${r.expected} (${r.deliveredPerSec}/s) lost ${r.lost} dup ${r.duplicates}`
    + ` | p50 ${l.p50Ms} p90 ${l.p90Ms} p99 ${l.p99Ms} max ${l.maxMs} ms | server ${r.serverCores} cores ${r.serverRssMB} MB | client ${r.clientCores} cores | machine ${r.machineCores} (others ${r.otherCores})`
    + (r.serverMemory ? ` | after GC heapUsed ${r.serverMemory.heapUsedMB} MB (heapTotal ${r.serverMemory.heapTotalMB}, external ${r.serverMemory.externalMB}, rss ${r.serverMemory.rssMB})` : "")
    + (r.serverMemory?.peak ? ` | peak rss ${r.serverMemory.peak.rssMB} MB = heapTotal ${r.serverMemory.peak.heapTotalMB} (new ${r.serverMemory.peak.newSpaceMB}, old ${r.serverMemory.peak.oldSpaceMB}, used ${r.serverMemory.peak.heapUsedMB}) + outside ${r.serverMemory.peak.outsideHeapMB} (external ${r.serverMemory.peak.externalMB})` : "")
    + (r.typing ? ` | typing sent ${r.typing.sent} received ${r.typing.received}` : "")
    + (r.redis ? ` | redis ${r.redis.commandsPerMessage} cmd/msg ${JSON.stringify(r.redis.perMessage)}` : "");
}

/** Connects the layout's sockets on all agents at once; returns wall time and merged timeline. */
export async function connectAll(layout: Pick<Layout, "agents" | "sockets">, concurrency: number, timeoutMs = 30_000) {
  const started = performance.now();
  const results = await Promise.all(layout.agents.map((a, i) => a.connect(layout.sockets[i]!, concurrency, timeoutMs)));
  const wallMs = performance.now() - started;
  const connected = results.reduce((n, r) => n + r.connected, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const errors = results.flatMap((r) => r.errors);
  const doneAt = results.flatMap((r) => r.doneAtMs).sort((a, b) => a - b);
  return { wallMs, connected, failed, errors, doneAt };
}
