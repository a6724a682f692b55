import { createHash } from "node:crypto";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/**
 * The short name of a session shown to its owner (`GET /sessions`) and carried in `session.ended`
 * envelopes: 16 characters of the base64url SHA-256 of the session id, so neither ever reveals
 * the id itself.
 */
export function sessionHandle(sessionId: string): string {
  return createHash("sha256").update(sessionId).digest("base64url").slice(0, 16);
}

/**
 * Each user's sessions: `{user:ID}:sessions`, a sorted set of session ids scored by when each was
 * last seen (ms). It lets a person list and end their sessions, and lets `endAllSessions` (ban,
 * password change, "sign out everywhere") find them all. Members whose `session:{id}` expired are
 * dropped when the index is read; the key itself expires with the newest session.
 */
export class SessionsIndex {
  constructor(private readonly redis: Redis, private readonly ttlSeconds: number) {}

  async add(userId: number, sessionId: string, nowMs: number): Promise<void> {
    const key = keys.userSessions(userId);
    await Promise.all([
      this.redis.zAdd(key, { score: nowMs, value: sessionId }),
      this.redis.expire(key, this.ttlSeconds),
      // Sessions older than the lifetime have expired: drop them as we go.
      this.redis.zRemRangeByScore(key, 0, nowMs - this.ttlSeconds * 1000),
    ]);
  }

  /** Updates when the session was last seen (only if it is still indexed: XX). */
  async touch(userId: number, sessionId: string, nowMs: number): Promise<void> {
    await this.redis.zAdd(keys.userSessions(userId), { score: nowMs, value: sessionId }, { condition: "XX" });
  }

  async remove(userId: number, sessionIds: string[]): Promise<void> {
    if (sessionIds.length) await this.redis.zRem(keys.userSessions(userId), sessionIds);
  }

  /** The user's indexed sessions, most recently seen first: `{sessionId, lastSeenAt}` (ms). */
  async members(userId: number): Promise<{ sessionId: string; lastSeenAt: number }[]> {
    const entries = await this.redis.zRangeWithScores(keys.userSessions(userId), 0, -1, { REV: true });
    return entries.map((e) => ({ sessionId: e.value, lastSeenAt: e.score }));
  }
}
