/**
 * A load-generating agent: a child process that holds many Socket.IO client sockets, sends
 * timestamped messages on some of them at a fixed rate and counts what the others receive.
 * Driven by the coordinator over IPC (see agent-protocol.ts). Per-message work is kept small:
 * one JSON.parse of the text, one histogram update, one counter.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { io, type Socket } from "socket.io-client";
import { ChatMessage, MessageBatch, type MessageAck, type ClientToServerEvents, type ServerToClientEvents, type PresenceBatch, type PresenceUser, type RoomSummary } from "../src/protocol/index.js";
import type {
  AgentCounters, AgentReply, ConnectResult, CoordinatorToAgent, ReceiveCollect, ReceiveResult, SendPlan, SendResult, SendersReply, SocketSpec,
} from "./agent-protocol.js";
import { createHistogram, mergeInto, recordMs, resetHistogram } from "./histogram.js";
import { mapLimit } from "./limit.js";

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Validate one batch in this many against the protocol's zod schema (all of them costs too much client CPU). */
const VALIDATE_EVERY = Number(process.env.BENCH_VALIDATE_EVERY ?? 200);
const now = () => performance.timeOrigin + performance.now();
/** clientIds must not repeat across runs on one Redis: the server would answer them as resends. */
const NONCE = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;

interface Slot {
  spec: SocketSpec;
  socket: ChatSocket | null;
  /** sender -> delivery count per sequence number, for the current step */
  recv: Map<number, Uint8Array>;
}

interface SenderState {
  sender: number;
  slot: Slot;
  roomId: string;
  seq: number;
  ackOk: number;
  ackError: number;
  okBits: Uint8Array;
}

const slots = new Map<number, Slot>();
let step = -1;
const latency = createHistogram();
const ackLatency = createHistogram();
let senders: SenderState[] = [];
let pendingAcks = 0;
const counters: AgentCounters = {
  messageEvents: 0, batchEvents: 0, messagesInBatches: 0, presenceEvents: 0, presenceBatchEvents: 0, presenceUsers: 0,
  showRoomEvents: 0, invalidPayloads: 0, foreignText: 0, disconnects: 0, connected: 0, stepDeliveries: 0, pendingAcks: 0,
  eventLoopP99Ms: 0, eventLoopMaxMs: 0,
};
let stale = 0;
const LOOP_RESOLUTION_MS = 5;
const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loop.enable();

function grow(bits: Uint8Array, index: number): Uint8Array {
  if (index < bits.length) return bits;
  const next = new Uint8Array(Math.max(index + 1, bits.length * 2, 64));
  next.set(bits);
  return next;
}

function startStep(next: number): void {
  step = next;
  for (const slot of slots.values()) slot.recv.clear();
  resetHistogram(latency);
  resetHistogram(ackLatency);
  counters.stepDeliveries = 0;
  stale = 0;
}

function onChatMessage(slot: Slot, message: ChatMessage, at: number): void {
  const text = message.message;
  if (typeof text !== "string" || text.charCodeAt(0) !== 123 /* { */) {
    counters.foreignText++;
    return;
  }
  let payload: { r?: unknown; s?: unknown; k?: unknown; t?: unknown };
  try {
    payload = JSON.parse(text) as typeof payload;
  } catch {
    counters.foreignText++;
    return;
  }
  const { r, s, k, t } = payload;
  if (typeof r !== "number" || typeof s !== "number" || typeof k !== "number" || typeof t !== "number") {
    counters.foreignText++;
    return;
  }
  if (r !== step) {
    if (r > step) startStep(r);
    else {
      stale++;
      return;
    }
  }
  let counts = slot.recv.get(s);
  if (!counts) {
    counts = new Uint8Array(256);
    slot.recv.set(s, counts);
  }
  if (k >= counts.length) {
    counts = grow(counts, k);
    slot.recv.set(s, counts);
  }
  if (counts[k]! < 255) counts[k]! += 1;
  counters.stepDeliveries++;
  recordMs(latency, at - t);
}

function attach(slot: Slot, socket: ChatSocket): void {
  socket.on("message", (message: ChatMessage) => {
    counters.messageEvents++;
    if (counters.messageEvents % VALIDATE_EVERY === 1 && !ChatMessage.safeParse(message).success) counters.invalidPayloads++;
    onChatMessage(slot, message, now());
  });
  socket.on("message.batch", (batch: MessageBatch) => {
    counters.batchEvents++;
    if (counters.batchEvents % VALIDATE_EVERY === 1 && !MessageBatch.safeParse(batch).success) {
      counters.invalidPayloads++;
      return;
    }
    const at = now();
    const messages = batch.messages;
    counters.messagesInBatches += messages.length;
    for (let i = 0; i < messages.length; i++) onChatMessage(slot, messages[i]!, at);
  });
  socket.on("user.connected", (_user: PresenceUser) => void counters.presenceEvents++);
  socket.on("user.disconnected", (_user: PresenceUser) => void counters.presenceEvents++);
  socket.on("presence.batch", (batch: PresenceBatch) => {
    counters.presenceBatchEvents++;
    counters.presenceUsers += Array.isArray(batch?.users) ? batch.users.length : 0;
  });
  socket.on("show.room", (_room: RoomSummary) => void counters.showRoomEvents++);
  socket.on("disconnect", () => {
    counters.disconnects++;
    counters.connected--;
  });
}

function connectOne(spec: SocketSpec, timeoutMs: number): Promise<ChatSocket> {
  return new Promise((resolve, reject) => {
    const socket: ChatSocket = io(spec.url, {
      transports: ["websocket"],
      extraHeaders: { cookie: spec.cookie },
      auth: { batch: spec.batch },
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
    });
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("connect timeout"));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("connect_error", (err: Error) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
  });
}

async function connect(specs: SocketSpec[], concurrency: number, timeoutMs: number): Promise<ConnectResult> {
  const startedAt = performance.now();
  const doneAtMs: number[] = [];
  const errors = new Map<string, number>();
  let failed = 0;
  await mapLimit(specs, concurrency, async (spec) => {
    const slot: Slot = { spec, socket: null, recv: new Map() };
    try {
      const socket = await connectOne(spec, timeoutMs);
      slot.socket = socket;
      slots.set(spec.index, slot);
      attach(slot, socket);
      counters.connected++;
      doneAtMs.push(performance.now() - startedAt);
    } catch (err) {
      failed++;
      const text = err instanceof Error ? err.message : String(err);
      errors.set(text, (errors.get(text) ?? 0) + 1);
    }
  });
  return {
    connected: doneAtMs.length,
    failed,
    errors: [...errors].map(([text, n]) => `${n}x ${text}`),
    doneAtMs,
    startedAt,
  };
}

function send(plan: SendPlan): Promise<SendResult> {
  if (plan.step !== step) startStep(plan.step);
  senders = [];
  for (const spec of plan.senders) {
    const slot = slots.get(spec.socket);
    if (!slot?.socket) continue;
    senders.push({ sender: spec.sender, slot, roomId: spec.roomId, seq: 0, ackOk: 0, ackError: 0, okBits: new Uint8Array(256) });
  }
  const pad = plan.padding > 0 ? `,"p":"${"x".repeat(plan.padding)}"` : "";
  const started = performance.now();
  let sent = 0;
  let maxLagMs = 0;
  let next = 0;
  const emitOne = (st: SenderState) => {
    const k = st.seq++;
    const t = now();
    const sentAt = performance.now();
    const message = `{"r":${plan.step},"s":${st.sender},"k":${k},"t":${t}${pad}}`;
    const payload = plan.clientId ? { roomId: st.roomId, message, clientId: `b${NONCE}-${plan.step}-${st.sender}-${k}` } : { roomId: st.roomId, message };
    pendingAcks++;
    st.slot.socket!.emit("message", payload, (ack: MessageAck) => {
      pendingAcks--;
      recordMs(ackLatency, performance.now() - sentAt);
      if (ack && ack.ok === true && ChatMessage.safeParse(ack.message).success) {
        st.ackOk++;
        st.okBits = grow(st.okBits, k);
        st.okBits[k] = 1;
      } else {
        st.ackError++;
        if (st.ackError <= 3) process.stderr.write(`agent: ack error: ${JSON.stringify(ack).slice(0, 300)}\n`);
      }
    });
    sent++;
  };
  return new Promise((resolve) => {
    if (senders.length === 0 || plan.rate <= 0) {
      setTimeout(() => resolve({ sent: 0, wallMs: plan.durationMs, maxLagMs: 0 }), plan.durationMs);
      return;
    }
    const tick = () => {
      const elapsed = performance.now() - started;
      const target = Math.min(Math.floor((plan.rate * Math.min(elapsed, plan.durationMs)) / 1000), Math.floor((plan.rate * plan.durationMs) / 1000));
      if (target > sent) {
        const lag = elapsed - (sent * 1000) / plan.rate;
        if (lag > maxLagMs) maxLagMs = lag;
      }
      while (sent < target) {
        emitOne(senders[next]!);
        next = (next + 1) % senders.length;
      }
      if (elapsed >= plan.durationMs) {
        resolve({ sent, wallMs: Math.round(elapsed), maxLagMs: Math.round(maxLagMs * 10) / 10 });
        return;
      }
      setTimeout(tick, 2);
    };
    tick();
  });
}

function senderResults(): SendersReply {
  const copy = createHistogram();
  mergeInto(copy, ackLatency);
  return {
    senders: senders.map((st) => ({
      sender: st.sender,
      socket: st.slot.spec.index,
      roomId: st.roomId,
      sent: st.seq,
      ackOk: st.ackOk,
      ackError: st.ackError,
      unacked: st.seq - st.ackOk - st.ackError,
      okBits: st.okBits.subarray(0, st.seq),
    })),
    ackLatency: copy,
  };
}

function collect(request: ReceiveCollect): ReceiveResult {
  const result: ReceiveResult = {
    expected: 0, delivered: 0, duplicates: 0, self: 0, unacknowledged: 0, foreignRoom: 0, stale, socketsWithLoss: 0, latency: createHistogram(),
  };
  if (request.step !== step) return result;
  mergeInto(result.latency, latency);
  const bySender = new Map(request.senders.map((s) => [s.sender, s]));
  for (const slot of slots.values()) {
    if (!slot.socket) continue;
    const rooms = new Set(slot.spec.rooms);
    let lost = 0;
    for (const s of request.senders) {
      if (s.socket === slot.spec.index || !rooms.has(s.roomId)) continue;
      result.expected += s.ackOk;
      const counts = slot.recv.get(s.sender);
      let got = 0;
      if (counts) for (let k = 0; k < s.okBits.length && k < counts.length; k++) if (s.okBits[k] && counts[k]) got++;
      result.delivered += got;
      lost += s.ackOk - got;
    }
    if (lost > 0) result.socketsWithLoss++;
    for (const [sender, counts] of slot.recv) {
      const s = bySender.get(sender);
      let total = 0;
      for (let k = 0; k < counts.length; k++) {
        const c = counts[k]!;
        if (!c) continue;
        total += c;
        if (c > 1) result.duplicates += c - 1;
        if (s && !s.okBits[k]) result.unacknowledged += 1;
      }
      if (!s) continue;
      if (s.socket === slot.spec.index) {
        result.self += total;
      } else if (!rooms.has(s.roomId)) {
        result.foreignRoom += total;
      }
    }
  }
  return result;
}

function snapshotCounters(reset: boolean): AgentCounters {
  counters.pendingAcks = pendingAcks;
  // The histogram holds whole timer intervals: subtract the resolution to get the delay.
  counters.eventLoopP99Ms = Math.max(0, Math.round(loop.percentile(99) / 1e4) / 100 - LOOP_RESOLUTION_MS);
  counters.eventLoopMaxMs = Math.max(0, Math.round(loop.max / 1e4) / 100 - LOOP_RESOLUTION_MS);
  const copy = { ...counters };
  if (reset) {
    loop.reset();
    for (const key of ["messageEvents", "batchEvents", "messagesInBatches", "presenceEvents", "presenceBatchEvents", "presenceUsers", "showRoomEvents", "invalidPayloads", "foreignText", "disconnects"] as const) counters[key] = 0;
  }
  return copy;
}

async function disconnectAll(): Promise<number> {
  let closed = 0;
  for (const slot of slots.values()) {
    slot.socket?.removeAllListeners("disconnect");
    slot.socket?.close();
    slot.socket = null;
    closed++;
  }
  slots.clear();
  counters.connected = 0;
  return closed;
}

function reply(message: AgentReply): void {
  process.send?.(message);
}

process.on("message", (raw) => {
  const command = raw as CoordinatorToAgent;
  const run = async (): Promise<unknown> => {
    switch (command.type) {
      case "connect": return connect(command.sockets, command.concurrency, command.timeoutMs);
      case "send": return send(command.plan);
      case "senders": return senderResults();
      case "collect": return collect(command.collect);
      case "counters": return snapshotCounters(command.reset ?? false);
      case "disconnect": return disconnectAll();
    }
  };
  run().then(
    (result) => reply({ type: "reply", id: command.id, ok: true, result }),
    (err: unknown) => reply({ type: "reply", id: command.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});

// Never outlive the coordinator, and never run unbounded.
process.on("disconnect", () => process.exit(0));
setTimeout(() => process.exit(3), Number(process.env.BENCH_AGENT_MAX_MS ?? 45 * 60_000)).unref();
reply({ type: "ready" });
