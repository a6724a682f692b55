/** The sending side: timestamped messages at a fixed, open-loop rate, and what the acks said. */
import { ChatMessage, type MessageAck } from "../../src/protocol/index.js";
import type { SendPlan, SendResult, SendersReply } from "../agent-protocol.js";
import { createHistogram, mergeInto, recordMs } from "../histogram.js";
import { ackLatency, grow, now, slots, startStep, state, type Slot } from "./state.js";

/** clientIds must not repeat across runs on one Redis: the server would answer them as resends. */
const NONCE = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;

interface SenderState {
  sender: number;
  slot: Slot;
  roomId: string;
  seq: number;
  ackOk: number;
  ackError: number;
  okBits: Uint8Array;
}

let senders: SenderState[] = [];

export function send(plan: SendPlan): Promise<SendResult> {
  if (plan.step !== state.step) startStep(plan.step);
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
    state.pendingAcks++;
    st.slot.socket!.emit("message", payload, (ack: MessageAck) => {
      state.pendingAcks--;
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
  const typing = startTyping(plan);
  return new Promise<SendResult>((resolve) => {
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
  }).then((result) => ({ ...result, typingSent: typing.stop() }));
}

/**
 * Typing traffic alongside the messages: each typer emits `typing {roomId}` every `everyMs` (what
 * a client does while someone types), their first ones spread over the first interval.
 */
function startTyping(plan: SendPlan): { stop(): number } {
  const timers: NodeJS.Timeout[] = [];
  let sent = 0;
  const typers = plan.typers;
  if (typers && typers.sockets.length > 0) {
    typers.sockets.forEach((index, i) => {
      const socket = slots.get(index)?.socket;
      if (!socket) return;
      const emit = () => {
        socket.emit("typing", { roomId: typers.roomId });
        sent++;
      };
      const offset = (typers.everyMs * i) / typers.sockets.length;
      timers.push(
        setTimeout(() => {
          emit();
          timers.push(setInterval(emit, typers.everyMs));
        }, offset),
      );
    });
  }
  const deadline = setTimeout(() => stopAll(), plan.durationMs);
  timers.push(deadline);
  function stopAll(): number {
    for (const t of timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    return sent;
  }
  return { stop: stopAll };
}

export function senderResults(): SendersReply {
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

