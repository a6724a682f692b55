/** What one agent process holds: its sockets, the current step, counters and histograms. */
import type { Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../../src/protocol/index.js";
import type { AgentCounters, SocketSpec } from "../agent-protocol.js";
import { createHistogram, resetHistogram } from "../histogram.js";

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export const now = () => performance.timeOrigin + performance.now();

export interface Slot {
  spec: SocketSpec;
  socket: ChatSocket | null;
  /** sender -> delivery count per sequence number, for the current step */
  recv: Map<number, Uint8Array>;
}

export const slots = new Map<number, Slot>();

export const state = {
  step: -1,
  /** deliveries of earlier steps that arrived late */
  stale: 0,
  pendingAcks: 0,
};

export const latency = createHistogram();
export const ackLatency = createHistogram();

export const counters: AgentCounters = {
  messageEvents: 0, batchEvents: 0, messagesInBatches: 0, presenceEvents: 0, presenceBatchEvents: 0, presenceUsers: 0,
  showRoomEvents: 0, typingEvents: 0, invalidPayloads: 0, foreignText: 0, disconnects: 0, connected: 0, stepDeliveries: 0, pendingAcks: 0,
  eventLoopP99Ms: 0, eventLoopMaxMs: 0,
};

/** A byte array with room for `index`. */
export function grow(bits: Uint8Array, index: number): Uint8Array {
  if (index < bits.length) return bits;
  const next = new Uint8Array(Math.max(index + 1, bits.length * 2, 64));
  next.set(bits);
  return next;
}

/** A new step: forget what earlier steps delivered. */
export function startStep(next: number): void {
  state.step = next;
  for (const slot of slots.values()) slot.recv.clear();
  resetHistogram(latency);
  resetHistogram(ackLatency);
  counters.stepDeliveries = 0;
  state.stale = 0;
}
