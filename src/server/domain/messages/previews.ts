import { LinkPreview, PreviewsUpdated, type ChatMessage } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { RECORD_CHANGE_LUA } from "./changes.js";
import { findMessage } from "./lookup.js";

const Previews = LinkPreview.array();

/**
 * KEYS: room sorted set, previews hash, changes stream (one slot). ARGV: the message's exact member,
 * message id, previews JSON, room id, server id, mode: 'add' (only when the message has no entry:
 * never over a removal) or 'remove' (writes `[]`).
 * Returns {'ok', change JSON}, {'unchanged'} or {'gone'} (the member is no longer there: deleted or
 * edited meanwhile).
 */
const SET_PREVIEWS = new LuaScript(`${RECORD_CHANGE_LUA}
local room, hash, changes = KEYS[1], KEYS[2], KEYS[3]
local id, list = ARGV[2], ARGV[3]
if not redis.call('ZSCORE', room, ARGV[1]) then return {'gone'} end
local current = redis.call('HGET', hash, id)
if ARGV[6] == 'add' then
  if current then return {'unchanged'} end
else
  if current == '[]' then return {'unchanged'} end
  list = '[]'
end
redis.call('HSET', hash, id, list)
local body = '{"type":"previews.updated","roomId":' .. cjson.encode(ARGV[4]) .. ',"id":' .. cjson.encode(id) .. ',"previews":' .. list .. '}'
return {'ok', record(changes, 'previews.updated', body, ARGV[5])}
`);

/** KEYS: previews hash. ARGV: message id. Removes the message's entry; returns what it was (or nil). */
const DROP_PREVIEWS = new LuaScript(`
local gone = redis.call('HGET', KEYS[1], ARGV[1])
if gone then redis.call('HDEL', KEYS[1], ARGV[1]) end
return gone
`);

export type PreviewsResult =
  | { status: "changed"; change: PreviewsUpdated }
  | { status: "unchanged" }
  | { status: "not-found" }
  | { status: "forbidden" };

/**
 * A room's link previews: one hash `{room:ID}:previews`, field = message id, value = JSON
 * `[LinkPreview...]`; `[]` marks previews the author removed (a fetch that ends later does not bring
 * them back). A change, its change-log entry and its publication are one script on the room's slot.
 */
export class MessagePreviews {
  constructor(private readonly redis: Redis) {}

  /** Stores the previews found for message `id`, unless it has some already or its author removed them. */
  add(roomId: string, id: string, previews: LinkPreview[], serverId: string): Promise<PreviewsResult> {
    return this.change(roomId, id, JSON.stringify(previews), "add", serverId);
  }

  /** The author removes their message's previews (also those still being fetched). */
  remove(roomId: string, id: string, userId: number, serverId: string): Promise<PreviewsResult> {
    return this.change(roomId, id, "[]", "remove", serverId, userId);
  }

  private async change(roomId: string, id: string, json: string, mode: "add" | "remove", serverId: string, authorId?: number): Promise<PreviewsResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await findMessage(this.redis, roomId, id);
      if (!found) return { status: "not-found" };
      if (authorId !== undefined && found.message.from !== authorId) return { status: "forbidden" };
      const [status, payload] = (await SET_PREVIEWS.run(this.redis, [keys.room(roomId), keys.roomPreviews(roomId), keys.roomChanges(roomId)], [
        found.member, found.message.id, json, roomId, serverId, mode,
      ])) as [string, string?];
      if (status === "gone") continue; // edited between the lookup and the script: look again
      if (status === "unchanged") return { status: "unchanged" };
      return { status: "changed", change: PreviewsUpdated.parse(JSON.parse(payload!)) };
    }
    return { status: "not-found" };
  }

  /** After message `id` was deleted: removes its previews and answers what they were (their images are the caller's to delete). */
  async dropOf(roomId: string, id: string): Promise<LinkPreview[]> {
    return parsePreviews((await DROP_PREVIEWS.run(this.redis, [keys.roomPreviews(roomId)], [id])) as string | null);
  }
}

/** Adds `previews` to the messages that have some, in place, with one HMGET for the whole page. */
export async function attachPreviews(redis: Redis, roomId: string, messages: ChatMessage[]): Promise<ChatMessage[]> {
  if (messages.length === 0) return messages;
  const values = await redis.hmGet(keys.roomPreviews(roomId), messages.map((m) => m.id));
  messages.forEach((message, i) => {
    const previews = parsePreviews(values[i]);
    if (previews.length > 0) message.previews = previews;
  });
  return messages;
}

function parsePreviews(raw: string | null | undefined): LinkPreview[] {
  if (!raw) return [];
  try {
    const parsed = Previews.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}
