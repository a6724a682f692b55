import type { Redis } from "../../src/server/redis/connection.js";

/** Calls per command so far (INFO commandstats), to count what one operation sends Redis. */
export async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const line of (await redis.info("commandstats")).split(/\r?\n/)) {
    const stat = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (stat) calls[stat[1]!] = Number(stat[2]);
  }
  return calls;
}

/** The commands `run` sent (the INFO calls that measure it left out). */
export async function commandsOf(redis: Redis, run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await commandCalls(redis);
  await run();
  const after = await commandCalls(redis);
  const sent: Record<string, number> = {};
  for (const [name, n] of Object.entries(after)) {
    const delta = n - (before[name] ?? 0) - (name === "info" ? 1 : 0);
    if (delta > 0) sent[name] = delta;
  }
  return sent;
}

export const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
