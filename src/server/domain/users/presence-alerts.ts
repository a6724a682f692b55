import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/** How many people one person may ask to be told about (a set a client reads whole on every page load). */
export const MAX_PRESENCE_ALERTS = 500;

/**
 * "Tell me when X comes online" (issue 18): per person, the set `{user:ID}:presence:alerts` of the
 * ids they asked about. The server only keeps the choice (every device of theirs reads the same);
 * the client raises the toast or desktop notification from the presence events it already gets,
 * so nothing is added to the presence path itself.
 */
export class PresenceAlerts {
  constructor(private readonly redis: Redis) {}

  async list(userId: number): Promise<number[]> {
    const members = await this.redis.sMembers(keys.presenceAlerts(userId));
    return members.map(Number).filter((id) => Number.isSafeInteger(id) && id > 0).sort((a, b) => a - b);
  }

  /** Turns the alert for `targetId` on or off; false when turning on would pass MAX_PRESENCE_ALERTS. */
  async set(userId: number, targetId: number, on: boolean): Promise<boolean> {
    const key = keys.presenceAlerts(userId);
    if (!on) {
      await this.redis.sRem(key, String(targetId));
      return true;
    }
    if ((await this.redis.sIsMember(key, String(targetId))) === 1) return true;
    if ((await this.redis.sCard(key)) >= MAX_PRESENCE_ALERTS) return false;
    await this.redis.sAdd(key, String(targetId));
    return true;
  }
}
