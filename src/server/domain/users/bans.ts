import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/**
 * Banned users: the set `users:banned` (ours). A banned user cannot sign in (403), is left out of
 * people search, and has every session and socket ended when the ban is made (see routes/moderation).
 */
export class Bans {
  constructor(private readonly redis: Redis) {}

  async isBanned(userId: number): Promise<boolean> {
    return (await this.redis.sIsMember(keys.bannedUsers, String(userId))) === 1;
  }

  /** True when the user was not banned before. */
  async ban(userId: number): Promise<boolean> {
    return (await this.redis.sAdd(keys.bannedUsers, String(userId))) === 1;
  }

  /** True when the user was banned before. */
  async lift(userId: number): Promise<boolean> {
    return (await this.redis.sRem(keys.bannedUsers, String(userId))) === 1;
  }

  /** The ids that are not banned, in order (one SMISMEMBER). */
  async withoutBanned(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return ids;
    const banned = await this.redis.smIsMember(keys.bannedUsers, ids.map(String));
    return ids.filter((_, i) => banned[i] === 0);
  }
}
