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
 * administrator makes a one-time reset link (`password-reset:{sha256(token)}` -> user id, expiring;
 * taken with GETDEL, so it works once), and the reset ends every session. Sessions end through
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
    await this.sessions.endAll(userId, keepSessionId);
    return true;
  }

  async createReset(userId: number): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(24).toString("base64url");
    const expiresAt = Date.now() + PASSWORD_RESET_TTL_MS;
    await this.redis.set(tokenKey(token), String(userId), { expiration: { type: "PXAT", value: expiresAt } });
    return { token, expiresAt };
  }

  /** Uses the token (once); the user id whose password was set, or undefined when the token is unknown, used or expired. */
  async reset(token: string, newPassword: string): Promise<number | undefined> {
    const owner = await this.redis.getDel(tokenKey(token));
    const userId = Number(owner);
    if (!owner || !Number.isSafeInteger(userId) || userId <= 0) return undefined;
    await this.set(userId, newPassword);
    await this.sessions.endAll(userId);
    return userId;
  }

  private async set(userId: number, password: string): Promise<void> {
    await this.redis.hSet(keys.user(userId), "password", await hash(password, BCRYPT_COST));
  }
}
