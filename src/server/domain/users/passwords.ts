import { hash, verify } from "@node-rs/bcrypt";
import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Sessions } from "../sessions.js";
import { BCRYPT_COST } from "../users.js";

/** How long an administrator's reset link works. */
export const PASSWORD_RESET_TTL_MS = 24 * 3_600_000;

const tokenKey = (token: string) => keys.passwordReset(createHash("sha256").update(token).digest("base64url"));

/**
 * Passwords (issue 18): a person changes theirs (every other session of theirs ends), an
 * administrator makes a one-time reset link (`password-reset:{sha256(token)}` -> `{userId, by}`,
 * expiring; taken with GETDEL, so it works once, and only while its maker is neither banned nor
 * deactivated), and the reset ends every session. Sessions end through
 * `Sessions.endAll`, so whatever hangs off it (sockets, push) follows. The rules a new password
 * follows are `NewPassword` in the protocol, checked at the edge.
 */
export class Passwords {
  constructor(private readonly redis: Redis, private readonly sessions: Sessions) {}

  /** False when `currentPassword` is wrong (nothing changes then). */
  async change(userId: number, currentPassword: string, newPassword: string, keepSessionId?: string): Promise<boolean> {
    const stored = await this.redis.hGet(keys.user(userId), "password");
    if (!stored || !(await verify(currentPassword, stored).catch(() => false))) return false;
    await this.set(userId, newPassword);
    await this.sessions.endAll(userId, keepSessionId, { code: "password-changed", bySessionId: keepSessionId });
    return true;
  }

  /** A one-time link to set `userId`'s password, made by the administrator `by`. */
  async createReset(userId: number, by: number): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(24).toString("base64url");
    const expiresAt = Date.now() + PASSWORD_RESET_TTL_MS;
    await this.redis.set(tokenKey(token), JSON.stringify({ userId, by }), { expiration: { type: "PXAT", value: expiresAt } });
    return { token, expiresAt };
  }

  /**
   * Whom a working token is for and until when, without using it; undefined as `reset` would refuse
   * it (unknown, used, expired, or its maker no longer `standsBehind` it).
   */
  async peekReset(token: string, standsBehind: (by: number) => Promise<boolean>): Promise<{ userId: number; expiresAt: number } | undefined> {
    const key = tokenKey(token);
    const [raw, ttl] = await Promise.all([this.redis.get(key), this.redis.pTTL(key)]);
    const seen = parseReset(raw);
    if (!seen || ttl < 0) return undefined;
    if (seen.by !== undefined && !(await standsBehind(seen.by))) return undefined;
    return { userId: seen.userId, expiresAt: Date.now() + ttl };
  }

  /**
   * Uses the token (once); the user id whose password was set, or undefined when the token is
   * unknown, used or expired, or its maker no longer `standsBehind` it (banned or deactivated since).
   */
  async reset(token: string, newPassword: string, standsBehind: (by: number) => Promise<boolean>): Promise<number | undefined> {
    // Refused while its maker does not stand behind it, without using it up (a lifted ban gives it back).
    const seen = parseReset(await this.redis.get(tokenKey(token)));
    if (seen?.by !== undefined && !(await standsBehind(seen.by))) return undefined;
    const kept = parseReset(await this.redis.getDel(tokenKey(token)));
    if (!kept) return undefined;
    await this.set(kept.userId, newPassword);
    await this.sessions.endAll(kept.userId, undefined, { code: "password-changed" });
    return kept.userId;
  }

  private async set(userId: number, password: string): Promise<void> {
    await this.redis.hSet(keys.user(userId), "password", await hash(password, BCRYPT_COST));
  }
}

/** `{userId, by}`; a link made before its maker was kept holds the user id alone. */
function parseReset(raw: string | null): { userId: number; by?: number } | undefined {
  if (!raw) return undefined;
  const id = (value: unknown) => (typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined);
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value === "number") return id(value) === undefined ? undefined : { userId: value };
    if (typeof value !== "object" || value === null) return undefined;
    const { userId, by } = value as { userId?: unknown; by?: unknown };
    if (id(userId) === undefined) return undefined;
    return { userId: userId as number, ...(id(by) !== undefined ? { by: by as number } : {}) };
  } catch {
    return undefined;
  }
}
