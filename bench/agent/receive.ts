/**
 * The receiving side: what each socket got, per sender and sequence number, and the send-to-receive
 * latency; then, against what the senders had acknowledged, expected / delivered / lost / duplicates.
 */
import { ChatMessage, MessageBatch, type PresenceBatch, type PresenceUser, type RoomSummary } from "../../src/protocol/index.js";
import type { ReceiveCollect, ReceiveResult } from "../agent-protocol.js";
import { createHistogram, mergeInto, recordMs } from "../histogram.js";
import { counters, grow, latency, now, slots, startStep, state, type ChatSocket, type Slot } from "./state.js";

/** Validate one batch in this many against the protocol's zod schema (all of them costs too much client CPU). */
const VALIDATE_EVERY = Number(process.env.BENCH_VALIDATE_EVERY ?? 200);

export function onChatMessage(slot: Slot, message: ChatMessage, at: number): void {
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
  if (r !== state.step) {
    if (r > state.step) startStep(r);
    else {
      state.stale++;
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

export function attach(slot: Slot, socket: ChatSocket): void {
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
  socket.on("typing", () => void counters.typingEvents++);
  socket.on("disconnect", () => {
    counters.disconnects++;
    counters.connected--;
  });
}

export function collect(request: ReceiveCollect): ReceiveResult {
  const result: ReceiveResult = {
    expected: 0, delivered: 0, duplicates: 0, self: 0, unacknowledged: 0, foreignRoom: 0, stale: state.stale, socketsWithLoss: 0, latency: createHistogram(),
  };
  if (request.step !== state.step) return result;
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

