import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/**
 * Deactivated accounts (issue 18): the set `users:deactivated`. A deactivated account cannot sign
 * in, has every session ended when deactivated (see routes/accounts), is left out of the people
 * directory and pickers, and keeps its messages under its name.
 */
export class Deactivations {
  constructor(private readonly redis: Redis) {}

  async isDeactivated(userId: number): Promise<boolean> {
    return (await this.redis.sIsMember(keys.deactivatedUsers, String(userId))) === 1;
  }

  /** True when it changed. */
  async set(userId: number, deactivated: boolean): Promise<boolean> {
    const changed = deactivated
      ? await this.redis.sAdd(keys.deactivatedUsers, String(userId))
      : await this.redis.sRem(keys.deactivatedUsers, String(userId));
    return changed === 1;
  }

  /** For each id, whether it is deactivated (one SMISMEMBER). */
  async flags(ids: number[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    return (await this.redis.smIsMember(keys.deactivatedUsers, ids.map(String))).map((n) => n === 1);
  }
}
