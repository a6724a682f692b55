import type { ReadState } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { messageIdFromScore, scoreFromMessageId } from "../message-ids.js";

/**
 * Moves a user's read marker for one room forward, never back. KEYS: `{room:ID}:read`.
 * ARGV: userId, message id. Message ids are decimal strings compared by length, then
 * lexicographically (see compareMessageIds). Returns the marker after the call.
 */
const MARK_READ = new LuaScript(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
local new = ARGV[2]
if current and (#current > #new or (#current == #new and current >= new)) then return current end
redis.call('HSET', KEYS[1], ARGV[1], new)
return new
`);

/**
 * Read state on the server: per room, the id of the last message each member read there
 * (`{room:ID}:read`, a hash userId -> message id, in the room's Cluster slot: the store script
 * moves the sender's marker to their own message at no extra round trip). Unread counts are
 * counted from the room's sorted set (`ZCOUNT` after the marker's score), so they are exact
 * whoever wrote the messages.
 */
export class ReadStates {
  constructor(private readonly redis: Redis) {}

  /**
   * Marks `messageId` read in the room (clamped to the room's newest message, so a made-up id far
   * in the future cannot hide later messages). Returns the resulting state.
   */
  async mark(userId: number, roomId: string, messageId: string): Promise<ReadState> {
    const newest = await this.newestId(roomId);
    const target = newest === undefined ? undefined : shorterOrEqual(messageId, newest) ? messageId : newest;
    if (target === undefined) return { roomId, lastRead: (await this.redis.hGet(keys.roomReads(roomId), String(userId))) ?? null, unread: 0 };
    const lastRead = String(await MARK_READ.run(this.redis, [keys.roomReads(roomId)], [userId, target]));
    return { roomId, lastRead, unread: await this.unreadAfter(roomId, lastRead) };
  }

  /** The user's read state in each of these rooms (two pipelined commands per room). */
  async forRooms(userId: number, roomIds: string[]): Promise<Map<string, ReadState>> {
    const states = await Promise.all(
      roomIds.map(async (roomId): Promise<ReadState> => {
        const lastRead = (await this.redis.hGet(keys.roomReads(roomId), String(userId))) ?? null;
        return { roomId, lastRead, unread: await this.unreadAfter(roomId, lastRead) };
      }),
    );
    return new Map(states.map((s) => [s.roomId, s]));
  }

  /** Messages after `lastRead` (all of them when null). */
  async unreadAfter(roomId: string, lastRead: string | null): Promise<number> {
    if (lastRead === null) return this.redis.zCard(keys.room(roomId));
    return this.redis.zCount(keys.room(roomId), `(${scoreFromMessageId(lastRead)}`, "+inf");
  }

  private async newestId(roomId: string): Promise<string | undefined> {
    const [newest] = await this.redis.zRangeWithScores(keys.room(roomId), -1, -1);
    if (!newest) return undefined;
    try {
      const parsed = JSON.parse(newest.value) as { id?: unknown };
      if (typeof parsed.id === "string" && /^\d{1,20}$/.test(parsed.id)) return parsed.id;
    } catch {
      // a message written by another server; fall back to its score
    }
    return messageIdFromScore(newest.score);
  }
}

function shorterOrEqual(a: string, b: string): boolean {
  return a.length < b.length || (a.length === b.length && a <= b);
}
