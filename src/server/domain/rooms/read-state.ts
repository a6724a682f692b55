import { compareMessageIds, MESSAGE_ID_PATTERN, type ReadState } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { messageIdForSeedMember, scoreFromMessageId } from "../message-ids.js";

/**
 * Moves a user's read marker for one room forward, never back. KEYS: `{room:ID}:read`.
 * ARGV: userId, message id. Ids compare as `compareMessageIds` does: by the decimal time part
 * (shorter is smaller, then lexicographic), then no disambiguator before one, then by it.
 * Returns the marker after the call, and 1 when the call moved it (0: it was there or ahead already).
 */
const MARK_READ = new LuaScript(`
local function split(id)
  local d = string.find(id, '-', 1, true)
  if d then return string.sub(id, 1, d - 1), string.sub(id, d + 1) end
  return id, ''
end
local function at_most(a, b)
  local ta, sa = split(a)
  local tb, sb = split(b)
  if #ta ~= #tb then return #ta < #tb end
  if ta ~= tb then return ta < tb end
  if sa == sb or sa == '' then return true end
  if sb == '' then return false end
  return sa < sb
end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and at_most(ARGV[2], current) then return {current, 0} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {ARGV[2], 1}
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
   * in the future cannot hide later messages). Returns the resulting state, and whether this call
   * moved the marker (only then is there anything to tell the user's other sockets).
   */
  async mark(userId: number, roomId: string, messageId: string): Promise<{ state: ReadState; moved: boolean }> {
    const newest = await this.newestId(roomId);
    const target = newest === undefined ? undefined : compareMessageIds(messageId, newest) <= 0 ? messageId : newest;
    if (target === undefined) return { state: { roomId, lastRead: (await this.redis.hGet(keys.roomReads(roomId), String(userId))) ?? null, unread: 0 }, moved: false };
    const [lastRead, moved] = (await MARK_READ.run(this.redis, [keys.roomReads(roomId)], [userId, target])) as [string, number];
    return { state: { roomId, lastRead: String(lastRead), unread: await this.unreadAfter(roomId, String(lastRead)) }, moved: moved === 1 };
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
      if (typeof parsed.id === "string" && MESSAGE_ID_PATTERN.test(parsed.id)) return parsed.id;
    } catch {
      // not JSON: still a member with an id derived from it
    }
    // A message a seed server stored without an id: the id every server derives from it.
    return messageIdForSeedMember(newest.score, newest.value);
  }
}
