import { randomBytes } from "node:crypto";
import type { Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";

/**
 * The secret that signs session cookies when `SESSION_SECRET` is not configured: generated once
 * (32 random bytes, hex) and kept in Redis at `keys.sessionSecret`, claimed with `SET NX` so that
 * instances starting at the same moment agree on one. Every instance on that Redis, and every
 * restart, then signs and accepts the same cookies without any configuration. A configured
 * `SESSION_SECRET` wins and this key is not read. Throws when Redis cannot be reached.
 */
export async function sharedSessionSecret(redis: Redis): Promise<string> {
  const candidate = randomBytes(32).toString("hex");
  await redis.set(keys.sessionSecret, candidate, { condition: "NX" });
  const stored = await redis.get(keys.sessionSecret);
  // A value someone set by hand that is too short to be a secret is replaced (never shorter than 16).
  if (stored && stored.length >= 16) return stored;
  await redis.set(keys.sessionSecret, candidate);
  return candidate;
}
