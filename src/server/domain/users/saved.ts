import type { SavedMessage } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Messages } from "../messages.js";
import type { Outcome } from "../messages/actions.js";
import { resolveRepliesInRooms } from "../messages/replies.js";
import type { Rooms } from "../rooms.js";

/** The most saved messages one person keeps (the oldest go past it). */
export const MAX_SAVED = 500;

/**
 * Messages a person saved for later (`{user:ID}:saved`): private to them, the same on every
 * device. A saved message they can no longer read (left the room, message deleted) is not shown.
 */
export class SavedMessages {
  constructor(
    private readonly redis: Redis,
    private readonly messages: Messages,
    private readonly rooms: Rooms,
  ) {}

  async save(userId: number, roomId: string, messageId: string, saved: boolean): Promise<Outcome<{ saved: boolean }>> {
    const key = keys.savedMessages(userId);
    if (!saved) {
      await this.redis.zRem(key, `${roomId}/${messageId}`);
      return { ok: true, value: { saved: false } };
    }
    if (!(await this.rooms.isMember(userId, roomId))) return { ok: false, status: 403, error: "You are not a member of this room" };
    if (!(await this.messages.find(roomId, messageId))) return { ok: false, status: 404, error: "No such message in this room" };
    await this.redis.zAdd(key, { score: Date.now(), value: `${roomId}/${messageId}` });
    await this.redis.zRemRangeByRank(key, 0, -MAX_SAVED - 1);
    return { ok: true, value: { saved: true } };
  }

  async list(userId: number): Promise<SavedMessage[]> {
    const entries = await this.redis.zRangeWithScores(keys.savedMessages(userId), 0, MAX_SAVED - 1, { REV: true });
    const found = await Promise.all(
      entries.map(async ({ value, score }) => {
        const slash = value.lastIndexOf("/");
        const roomId = value.slice(0, slash);
        if (!(await this.rooms.isMember(userId, roomId))) return undefined;
        const message = (await this.messages.find(roomId, value.slice(slash + 1)))?.message;
        return message ? { roomId, message, savedAt: score } : undefined;
      }),
    );
    const saved = found.filter((s): s is SavedMessage => s !== undefined);
    // A saved reply quotes its original as it is now, as history does.
    await resolveRepliesInRooms(this.redis, saved.map((s) => s.message));
    return saved;
  }
}
