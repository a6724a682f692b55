/**
 * Many small rooms: `users` users paired into private rooms; every user sends into their own room
 * and receives what their partner sends (plus the room's `show.room` on its first message).
 */
import type { SenderSpec, SocketSpec } from "../agent-protocol.js";
import { startAgents } from "../agents.js";
import type { BenchContext } from "../context.js";
import { mapLimit, sleep } from "../limit.js";
import { connectAll, describeStep, runStep, type StepResult } from "../step.js";
import { createPrivateRoom } from "../users.js";

export const ROOMS_RATES = [500, 1000, 2000, 4000];

export interface RoomsResult {
  users: number;
  rooms: number;
  agents: number;
  connect: { wallMs: number; connected: number; failed: number; errors: string[] };
  steps: StepResult[];
}

export async function runRooms(ctx: BenchContext): Promise<RoomsResult> {
  const { options } = ctx;
  const count = options.roomUsers - (options.roomUsers % 2);
  const targets = await ctx.startServers(1, "rooms");
  const agents = await startAgents(options.agents);
  try {
    ctx.pool.setUrl(targets[0]!.url);
    const users = await ctx.pool.ensure(count);
    const pairs = Array.from({ length: count / 2 }, (_, j) => [users[2 * j]!, users[2 * j + 1]!] as const);
    const started = performance.now();
    const rooms = await mapLimit(pairs, 16, ([a, b]) => createPrivateRoom(targets[0]!.url, a, b));
    console.log(`bench: rooms: ${rooms.length} private rooms created in ${Math.round(performance.now() - started)} ms`);
    const sockets: SocketSpec[][] = agents.map(() => []);
    const senders: SenderSpec[][] = agents.map(() => []);
    users.forEach((user, i) => {
      const agent = i % agents.length;
      const roomId = rooms[Math.floor(i / 2)]!.id;
      sockets[agent]!.push({ index: i, url: targets[0]!.url, cookie: user.cookie, userId: user.id, rooms: [roomId], batch: options.batch });
      senders[agent]!.push({ sender: i, socket: i, roomId });
    });
    const connect = await connectAll({ agents, sockets }, options.connectConcurrency);
    console.log(`bench: rooms: ${connect.connected} sockets connected in ${Math.round(connect.wallMs)} ms (${connect.failed} failed ${connect.errors.join("; ")})`);
    if (connect.failed) throw new Error(`rooms: ${connect.failed} sockets failed to connect: ${connect.errors.join("; ")}`);
    await sleep(2000);
    const layout = { agents, sockets, senders, targets, redisUrl: ctx.redisUrl };
    const rates = options.rates ?? ROOMS_RATES;
    // Warm-up: every room gets its first message (and its show.room) here, 2 s long.
    const warm = await runStep(layout, { step: 0, rate: Math.max(count, rates[0]!), durationMs: 2000, drainMs: options.drainMs, padding: options.padding, clientId: options.clientId, label: "warm-up" });
    console.log(`bench: rooms: ${describeStep(warm)}`);
    const steps: StepResult[] = [];
    for (const [i, rate] of rates.entries()) {
      const result = await runStep(layout, { step: i + 1, rate, durationMs: options.durationMs, drainMs: options.drainMs, padding: options.padding, clientId: options.clientId, label: `${rate} msg/s` });
      console.log(`bench: rooms: ${describeStep(result)}`);
      steps.push(result);
    }
    await Promise.all(agents.map((a) => a.disconnect()));
    return {
      users: count,
      rooms: rooms.length,
      agents: agents.length,
      connect: { wallMs: Math.round(connect.wallMs), connected: connect.connected, failed: connect.failed, errors: connect.errors },
      steps,
    };
  } finally {
    for (const agent of agents) agent.stop();
    await Promise.all(targets.map((t) => t.stop()));
  }
}
