/**
 * A load-generating agent: a child process that holds many Socket.IO client sockets, sends
 * timestamped messages on some of them at a fixed rate and counts what the others receive.
 * Driven by the coordinator over IPC (see agent-protocol.ts). Per-message work is kept small:
 * one JSON.parse of the text, one histogram update, one counter.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { AgentCounters, AgentReply, CoordinatorToAgent } from "./agent-protocol.js";
import { connect, disconnectAll } from "./agent/connect.js";
import { collect } from "./agent/receive.js";
import { send, senderResults } from "./agent/send.js";
import { counters, state } from "./agent/state.js";

const LOOP_RESOLUTION_MS = 5;
const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loop.enable();

function snapshotCounters(reset: boolean): AgentCounters {
  counters.pendingAcks = state.pendingAcks;
  // The histogram holds whole timer intervals: subtract the resolution to get the delay.
  counters.eventLoopP99Ms = Math.max(0, Math.round(loop.percentile(99) / 1e4) / 100 - LOOP_RESOLUTION_MS);
  counters.eventLoopMaxMs = Math.max(0, Math.round(loop.max / 1e4) / 100 - LOOP_RESOLUTION_MS);
  const copy = { ...counters };
  if (reset) {
    loop.reset();
    for (const key of ["messageEvents", "batchEvents", "messagesInBatches", "presenceEvents", "presenceBatchEvents", "presenceUsers", "showRoomEvents", "typingEvents", "invalidPayloads", "foreignText", "disconnects"] as const) counters[key] = 0;
  }
  return copy;
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
