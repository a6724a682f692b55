/** Redis-side cost of a run: `INFO commandstats` and `INFO cpu` before and after. */
import { createClient } from "redis";

export interface RedisSnapshot {
  calls: Record<string, number>;
  cpuSeconds: number;
  usedMemoryBytes: number;
}

export async function redisSnapshot(url: string): Promise<RedisSnapshot> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on("error", () => {});
  await client.connect();
  try {
    const info = await client.info("all");
    const calls: Record<string, number> = {};
    let cpuSeconds = 0;
    let usedMemoryBytes = 0;
    for (const line of info.split(/\r?\n/)) {
      const stat = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
      if (stat) calls[stat[1]!] = Number(stat[2]);
      const cpu = /^used_cpu_(sys|user):([\d.]+)/.exec(line);
      if (cpu) cpuSeconds += Number(cpu[2]);
      const mem = /^used_memory:(\d+)/.exec(line);
      if (mem) usedMemoryBytes = Number(mem[1]);
    }
    return { calls, cpuSeconds, usedMemoryBytes };
  } finally {
    await client.close();
  }
}

export interface RedisDelta {
  /** calls per command during the window (the two INFO calls themselves excluded) */
  calls: Record<string, number>;
  totalCalls: number;
  cpuMs: number;
}

export function redisDelta(before: RedisSnapshot, after: RedisSnapshot): RedisDelta {
  const calls: Record<string, number> = {};
  let totalCalls = 0;
  for (const [name, n] of Object.entries(after.calls)) {
    let delta = n - (before.calls[name] ?? 0);
    if (name === "info") delta -= 1;
    if (name === "hello" || name === "client|setinfo" || name === "client|setname") continue; // the snapshot's own connection
    if (delta > 0) {
      calls[name] = delta;
      totalCalls += delta;
    }
  }
  return { calls, totalCalls, cpuMs: Math.round((after.cpuSeconds - before.cpuSeconds) * 1000) };
}

/** Commands per message, rounded, largest first. */
export function perMessage(delta: RedisDelta, messages: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (messages <= 0) return out;
  for (const [name, n] of Object.entries(delta.calls).sort((a, b) => b[1] - a[1])) out[name] = Math.round((n / messages) * 100) / 100;
  return out;
}
