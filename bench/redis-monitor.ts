/**
 * `redis-cli monitor` for a short window: which commands reach Redis as round trips from clients,
 * and which run inside Lua scripts (shown as `[0 lua]`). INFO commandstats counts both alike.
 * MONITOR slows Redis down, so it only runs in a short, separate, low-rate step.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface MonitorCounts {
  /** commands sent by clients (each one a round trip, or part of a pipeline) */
  client: Record<string, number>;
  /** commands run by scripts */
  lua: Record<string, number>;
}

/** Our own INFO/connection handshakes, not the server's. */
const IGNORED = new Set(["info", "hello", "client", "ping", "monitor", "select", "auth"]);

export function startMonitor(url: string): { stop(): Promise<MonitorCounts> } {
  const child = spawn("redis-cli", ["-u", url, "monitor"], { stdio: ["ignore", "pipe", "ignore"] });
  const counts: MonitorCounts = { client: {}, lua: {} };
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => {
    const match = /^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
    if (!match) return;
    const command = match[2]!.toLowerCase();
    if (IGNORED.has(command)) return;
    const bucket = match[1] === "lua" ? counts.lua : counts.client;
    bucket[command] = (bucket[command] ?? 0) + 1;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 200));
      child.kill("SIGTERM");
      await exited;
      return counts;
    },
  };
}

export function perMessageCounts(counts: Record<string, number>, messages: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(counts).sort((a, b) => b[1] - a[1])) out[name] = messages ? Math.round((n / messages) * 100) / 100 : 0;
  return out;
}
