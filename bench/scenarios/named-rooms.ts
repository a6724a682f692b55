/**
 * Rooms people make (issue 9): `namedRooms` closed rooms of `roomSize` members each, where 10 % of
 * the users are in `heavyRooms` rooms at once and the others fill the remaining seats. One socket
 * per user (the server subscribes it to its rooms on connect, no `room.join`); one sender per
 * room. Reports delivery latency at each rate, and what a membership change costs: the HTTP
 * answer of `PUT` / `DELETE /room/:id/members/:userId` and the time until the member's own socket
 * hears `room.added` / `room.removed`.
 */
import { io, type Socket } from "socket.io-client";
import type { SenderSpec, SocketSpec } from "../agent-protocol.js";
import { startAgents } from "../agents.js";
import type { BenchContext } from "../context.js";
import { createHistogram, recordMs, summarize, type LatencySummary } from "../histogram.js";
import { mapLimit, sleep } from "../limit.js";
import { connectAll, describeStep, runStep, type StepResult } from "../step.js";
import type { BenchUser } from "../users.js";

export const NAMED_ROOMS_RATES = [500, 1000, 2000];
/** Membership changes measured (each an add and a remove). */
const CHANGES = 100;

export interface NamedRoomsResult {
  users: number;
  rooms: number;
  roomSize: number;
  heavyUsers: number;
  heavyRooms: number;
  agents: number;
  createMs: number;
  connect: { wallMs: number; connected: number; failed: number; errors: string[] };
  steps: StepResult[];
  membershipChange: { changes: number; addHttp: LatencySummary; addLive: LatencySummary; removeHttp: LatencySummary; removeLive: LatencySummary };
}

/** Room membership: heavy users spread over `heavyRooms` rooms each, then light users fill the seats round-robin. */
export function layoutMembers(users: number, rooms: number, roomSize: number, heavyRooms: number): number[][] {
  const members: Set<number>[] = Array.from({ length: rooms }, () => new Set());
  const heavy = Math.floor(users / 10);
  const perHeavy = Math.min(heavyRooms, rooms);
  for (let h = 0; h < heavy; h++) {
    for (let j = 0; j < perHeavy; j++) {
      const room = (h * perHeavy + j) % rooms;
      if (members[room]!.size < roomSize) members[room]!.add(h);
    }
  }
  let next = heavy;
  const light = Math.max(1, users - heavy);
  for (const room of members) {
    let guard = 0;
    while (room.size < Math.min(roomSize, users) && guard++ < users * 2) {
      room.add(heavy + ((next - heavy) % light));
      next++;
    }
  }
  return members.map((m) => [...m]);
}

async function post(url: string, who: BenchUser, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { cookie: who.cookie, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

export async function runNamedRooms(ctx: BenchContext): Promise<NamedRoomsResult> {
  const { options } = ctx;
  const count = options.roomUsers;
  const targets = await ctx.startServers(1, "named-rooms");
  const agents = await startAgents(options.agents);
  const watchers: Socket[] = [];
  try {
    const url = targets[0]!.url;
    ctx.pool.setUrl(url);
    const users = await ctx.pool.ensure(count);
    const layout = layoutMembers(count, options.namedRooms, options.roomSize, options.heavyRooms);
    const started = performance.now();
    const roomIds = await mapLimit(layout, 8, async (seats, r) => {
      const owner = users[seats[0]!]!;
      const res = await post(url, owner, "POST", "/rooms", { name: `bench room ${r}`, visibility: "closed", members: seats.map((i) => users[i]!.id) });
      if (res.status !== 201) throw new Error(`POST /rooms: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as { id: string }).id;
    });
    const createMs = Math.round(performance.now() - started);
    console.log(`bench: named-rooms: ${roomIds.length} rooms of ${options.roomSize} created in ${createMs} ms`);

    const roomsOf: string[][] = users.map(() => []);
    layout.forEach((seats, r) => seats.forEach((i) => roomsOf[i]!.push(roomIds[r]!)));
    const sockets: SocketSpec[][] = agents.map(() => []);
    const senders: SenderSpec[][] = agents.map(() => []);
    users.forEach((user, i) => {
      sockets[i % agents.length]!.push({ index: i, url, cookie: user.cookie, userId: user.id, rooms: roomsOf[i]!, batch: options.batch });
    });
    // One sender per room: its first member's socket (on that socket's agent).
    layout.forEach((seats, r) => {
      const socket = seats[0]!;
      senders[socket % agents.length]!.push({ sender: r, socket, roomId: roomIds[r]! });
    });
    const connect = await connectAll({ agents, sockets }, options.connectConcurrency);
    console.log(`bench: named-rooms: ${connect.connected} sockets connected in ${Math.round(connect.wallMs)} ms (${connect.failed} failed ${connect.errors.join("; ")})`);
    if (connect.failed) throw new Error(`named-rooms: ${connect.failed} sockets failed to connect: ${connect.errors.join("; ")}`);
    await sleep(2000);
    const stepLayout = { agents, sockets, senders, targets, redisUrl: ctx.redisUrl };
    const rates = options.rates ?? NAMED_ROOMS_RATES;
    const warm = await runStep(stepLayout, { step: 0, rate: rates[0]!, durationMs: 2000, drainMs: options.drainMs, padding: options.padding, clientId: options.clientId, label: "warm-up" });
    console.log(`bench: named-rooms: ${describeStep(warm)}`);
    const steps: StepResult[] = [];
    for (const [i, rate] of rates.entries()) {
      const result = await runStep(stepLayout, { step: i + 1, rate, durationMs: options.durationMs, drainMs: options.drainMs, padding: options.padding, clientId: options.clientId, label: `${rate} msg/s` });
      console.log(`bench: named-rooms: ${describeStep(result)}`);
      steps.push(result);
    }

    // Membership changes, while every socket is still connected: a light user is added to a room
    // they are not in and removed again; a second socket of theirs, here, times the live events.
    const hist = { addHttp: createHistogram(), addLive: createHistogram(), removeHttp: createHistogram(), removeLive: createHistogram() };
    const changes = Math.min(CHANGES, roomIds.length);
    const heavy = Math.floor(count / 10);
    for (let c = 0; c < changes; c++) {
      const r = (c * 7) % roomIds.length;
      // A user who is not in the room (a light one when there are any).
      let userIndex = -1;
      for (let k = 0; k < count && userIndex < 0; k++) {
        const candidate = (heavy + c * 13 + k) % count;
        if (!layout[r]!.includes(candidate)) userIndex = candidate;
      }
      if (userIndex < 0) break;
      const user = users[userIndex]!;
      const manager = users[layout[r]![0]!]!;
      const watcher = io(url, { transports: ["websocket"], extraHeaders: { cookie: user.cookie }, auth: { batch: true }, reconnection: false, forceNew: true });
      watchers.push(watcher);
      await new Promise<void>((resolve, reject) => {
        watcher.once("connect", () => resolve());
        watcher.once("connect_error", reject);
      });
      const heard = (event: string) => new Promise<number>((resolve) => watcher.once(event, () => resolve(performance.now())));
      const added = heard("room.added");
      let t0 = performance.now();
      const add = await post(url, manager, "PUT", `/room/${roomIds[r]}/members/${user.id}`);
      if (add.status !== 200) throw new Error(`PUT member: HTTP ${add.status} ${JSON.stringify(add.body)}`);
      recordMs(hist.addHttp, performance.now() - t0);
      recordMs(hist.addLive, (await added) - t0);
      const removed = heard("room.removed");
      t0 = performance.now();
      const remove = await post(url, manager, "DELETE", `/room/${roomIds[r]}/members/${user.id}`);
      if (remove.status !== 200) throw new Error(`DELETE member: HTTP ${remove.status} ${JSON.stringify(remove.body)}`);
      recordMs(hist.removeHttp, performance.now() - t0);
      recordMs(hist.removeLive, (await removed) - t0);
      watcher.disconnect();
    }
    const membershipChange = {
      changes,
      addHttp: summarize(hist.addHttp),
      addLive: summarize(hist.addLive),
      removeHttp: summarize(hist.removeHttp),
      removeLive: summarize(hist.removeLive),
    };
    console.log(`bench: named-rooms: membership change (${changes}): add p99 ${membershipChange.addHttp.p99Ms} ms (live ${membershipChange.addLive.p99Ms} ms), remove p99 ${membershipChange.removeHttp.p99Ms} ms (live ${membershipChange.removeLive.p99Ms} ms)`);
    await Promise.all(agents.map((a) => a.disconnect()));
    return {
      users: count,
      rooms: roomIds.length,
      roomSize: options.roomSize,
      heavyUsers: heavy,
      heavyRooms: options.heavyRooms,
      agents: agents.length,
      createMs,
      connect: { wallMs: Math.round(connect.wallMs), connected: connect.connected, failed: connect.failed, errors: connect.errors },
      steps,
      membershipChange,
    };
  } finally {
    for (const w of watchers) w.disconnect();
    for (const agent of agents) agent.stop();
    await Promise.all(targets.map((t) => t.stop()));
  }
}
