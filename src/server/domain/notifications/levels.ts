import { NotificationLevel, defaultNotificationLevel, type NotificationRoomKind } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/**
 * Per-room notification levels a person chose (`{user:ID}:notify:levels`, hash roomId -> level).
 * Rooms without an entry use the room kind's default (see `defaultNotificationLevel`). The key is
 * the person's, so every device of theirs reads the same choice.
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

  /** The user's level in one room: `{level, chosen}` (chosen false = the kind's default). */
  async get(userId: number, roomId: string, kind: NotificationRoomKind): Promise<{ level: NotificationLevel; chosen: boolean }> {
    const level = NotificationLevel.safeParse(await this.redis.hGet(keys.notificationLevels(userId), roomId));
    return level.success ? { level: level.data, chosen: true } : { level: defaultNotificationLevel(kind, this.namedRoomDefault?.()), chosen: false };
  }

  async set(userId: number, roomId: string, level: NotificationLevel): Promise<void> {
    await this.redis.hSet(keys.notificationLevels(userId), roomId, level);
  }

  /** Forgets a choice (when the person leaves the room, for instance). */
  async clear(userId: number, roomId: string): Promise<void> {
    await this.redis.hDel(keys.notificationLevels(userId), roomId);
  }
}
