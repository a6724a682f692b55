import { NotificationLevel, defaultNotificationLevel, type NotificationRoomKind } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/**
 * Per-room notification levels a person chose (`{user:ID}:notify:levels`, hash roomId -> level).
 * Rooms without an entry use the room kind's default (see `defaultNotificationLevel`): for named
 * rooms the person's own default (`{user:ID}:notify:default`) when they chose one, else the
 * place's. The keys are the person's, so every device of theirs reads the same choice.
 */
export class NotificationLevels {
  constructor(private readonly redis: Redis, private readonly namedRoomDefault?: () => NotificationLevel) {}

  /** Every level the user chose, by room id; values that are not a level (hand-edited) are left out. */
  async chosen(userId: number): Promise<Record<string, NotificationLevel>> {
    const raw = await this.redis.hGetAll(keys.notificationLevels(userId));
    const out: Record<string, NotificationLevel> = {};
    for (const [roomId, value] of Object.entries(raw)) {
      const level = NotificationLevel.safeParse(value);
      if (level.success) out[roomId] = level.data;
    }
    return out;
  }

  /** The user's level in one room: `{level, chosen}` (chosen false = the kind's default for them). */
  async get(userId: number, roomId: string, kind: NotificationRoomKind): Promise<{ level: NotificationLevel; chosen: boolean }> {
    const [raw, own] = await Promise.all([
      this.redis.hGet(keys.notificationLevels(userId), roomId),
      this.redis.get(keys.notificationDefault(userId)),
    ]);
    const level = NotificationLevel.safeParse(raw);
    return level.success ? { level: level.data, chosen: true } : { level: this.defaultFor(kind, own), chosen: false };
  }

  /**
   * The level of a room the user chose nothing for, given their own default for named rooms as
   * stored (`own`, null when none): conversations notify of everything; named rooms follow the
   * person's default, else the place's.
   */
  defaultFor(kind: NotificationRoomKind, own: string | null): NotificationLevel {
    const parsed = NotificationLevel.safeParse(own);
    return defaultNotificationLevel(kind, parsed.success ? parsed.data : this.namedRoomDefault?.());
  }

  /** The default of named rooms for the user: their own when they chose one, else the place's. */
  async namedDefault(userId: number): Promise<{ level: NotificationLevel; chosen: boolean }> {
    const own = NotificationLevel.safeParse(await this.redis.get(keys.notificationDefault(userId)));
    return own.success ? { level: own.data, chosen: true } : { level: this.defaultFor("named", null), chosen: false };
  }

  /** Sets the user's own default for named rooms; null forgets it (the place's applies again). */
  async setNamedDefault(userId: number, level: NotificationLevel | null): Promise<void> {
    if (level === null) await this.redis.del(keys.notificationDefault(userId));
    else await this.redis.set(keys.notificationDefault(userId), level);
  }

  async set(userId: number, roomId: string, level: NotificationLevel): Promise<void> {
    await this.redis.hSet(keys.notificationLevels(userId), roomId, level);
  }

  /** Forgets a choice (when the person leaves the room, for instance). */
  async clear(userId: number, roomId: string): Promise<void> {
    await this.redis.hDel(keys.notificationLevels(userId), roomId);
  }
}
