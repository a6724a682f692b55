/**
 * Messages between the coordinator (bench/run.ts) and its load-generating agent processes
 * (bench/agent.ts), over the child-process IPC channel with `serialization: "advanced"`.
 */
import type { HistogramData } from "./histogram.js";

export interface SocketSpec {
  /** Global socket index, unique across agents. */
  index: number;
  url: string;
  cookie: string;
  userId: number;
  /** Rooms this socket is a member of, for the bench's bookkeeping (the server decides). */
  rooms: string[];
  batch: boolean;
}

export interface SenderSpec {
  /** Global sender index (also written into every message as `s`). */
  sender: number;
  /** Global index of the socket that sends. */
  socket: number;
  roomId: string;
}

export interface SendPlan {
  /** Step number, written into every message as `r`; deliveries of other steps are ignored. */
  step: number;
  senders: SenderSpec[];
  /** Messages per second, for all senders of this agent together (spread round-robin). */
  rate: number;
  durationMs: number;
  /** Extra padding characters in each message. */
  padding: number;
  clientId: boolean;
  /** Global indexes of this agent's sockets that send `typing {roomId}` every `typingEveryMs` meanwhile. */
  typers?: { sockets: number[]; roomId: string; everyMs: number };
}

/** A sender's acknowledged messages (bit k set: message k acknowledged ok). */
export interface SenderResult {
  sender: number;
  socket: number;
  roomId: string;
  sent: number;
  ackOk: number;
  ackError: number;
  /** sent but no acknowledgement by collection time */
  unacked: number;
  okBits: Uint8Array;
}

export interface ReceiveCollect {
  step: number;
  /** Per sender: the room and the acknowledged-ok bitmap. */
  senders: { sender: number; socket: number; roomId: string; okBits: Uint8Array; ackOk: number }[];
}

export interface ReceiveResult {
  /** Deliveries that should have arrived: acked-ok messages x member sockets (sender socket excluded). */
  expected: number;
  /** Distinct expected deliveries that arrived. */
  delivered: number;
  duplicates: number;
  /** Deliveries of a sender's message to the sending socket itself. */
  self: number;
  /** Deliveries of this step whose send was not acknowledged ok. */
  unacknowledged: number;
  /** Deliveries to a socket that is not a member of the message's room. */
  foreignRoom: number;
  /** Deliveries of earlier steps that arrived late. */
  stale: number;
  /** Sockets that missed at least one expected delivery. */
  socketsWithLoss: number;
  latency: HistogramData;
}

export interface AgentCounters {
  messageEvents: number;
  batchEvents: number;
  messagesInBatches: number;
  presenceEvents: number;
  presenceBatchEvents: number;
  presenceUsers: number;
  showRoomEvents: number;
  /** `typing` events received */
  typingEvents: number;
  invalidPayloads: number;
  foreignText: number;
  disconnects: number;
  connected: number;
  /** step deliveries counted so far (for drain detection) */
  stepDeliveries: number;
  pendingAcks: number;
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}

export interface SendersReply {
  senders: SenderResult[];
  ackLatency: HistogramData;
}

export type CoordinatorToAgent =
  | { type: "connect"; id: number; sockets: SocketSpec[]; concurrency: number; timeoutMs: number }
  | { type: "send"; id: number; plan: SendPlan }
  | { type: "senders"; id: number }
  | { type: "collect"; id: number; collect: ReceiveCollect }
  | { type: "counters"; id: number; reset?: boolean }
  | { type: "disconnect"; id: number };

export interface ConnectResult {
  connected: number;
  failed: number;
  errors: string[];
  /** completion time of each successful connection, ms after the agent started connecting */
  doneAtMs: number[];
  startedAt: number;
}

export interface SendResult {
  sent: number;
  wallMs: number;
  /** how far behind schedule the sender fell, at worst */
  maxLagMs: number;
  /** `typing` events sent (by the plan's typers) */
  typingSent?: number;
}

export type AgentReply =
  | { type: "ready" }
  | { type: "reply"; id: number; ok: true; result: unknown }
  | { type: "reply"; id: number; ok: false; error: string };
