import { attachmentFallback, MessageDeleted, MessageUpdated, type ChatMessage } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { RECORD_CHANGE_LUA } from "./changes.js";
import { findMessage, type FoundMessage } from "./lookup.js";
import { rewriteQuotesOf } from "./quote-scrub.js";
import { resolveReplies } from "./replies.js";
import { termChange, termsFor, type SearchIndex } from "../search/index.js";
import { SEARCH_INDEX_LUA } from "../search/redis7.js";
import { busArgs, type PubSubMode } from "../../redis/bus.js";
import { scoreFromMessageId } from "../message-ids.js";

/**
 * KEYS: room sorted set, changes stream. ARGV: the message's exact member, the new JSON without
 * its closing brace, room id, server id, search key prefix, search terms removed and added, message id,
 * and for ids of ours (unique scores) the message's score and how its JSON begins (`{"id":"<id>"`), else ''.
 * Replaces the member at the same score (so order and id stay), appending `"edited": <Redis time, s>`.
 * A member another edit replaced meanwhile is found again at its score (ours only): concurrent
 * edits all apply, the last one wins. Returns {'ok', change JSON} or {'gone'}.
 */
const EDIT = new LuaScript(`${RECORD_CHANGE_LUA}${SEARCH_INDEX_LUA}
local room, changes = KEYS[1], KEYS[2]
local member = ARGV[1]
local score = redis.call('ZSCORE', room, member)
if not score and ARGV[9] ~= '' then
  for _, current in ipairs(redis.call('ZRANGE', room, ARGV[9], ARGV[9], 'BYSCORE')) do
    if string.sub(current, 1, #ARGV[10]) == ARGV[10] then
      member, score = current, ARGV[9]
      break
    end
  end
end
if not score then return {'gone'} end
local t = redis.call('TIME')
local json = ARGV[2] .. ',"edited":' .. t[1] .. '}'
redis.call('ZREM', room, member)
redis.call('ZADD', room, score, json)
search_index(ARGV[5], ARGV[8], ARGV[6], ARGV[7])
local body = '{"type":"message.updated","roomId":' .. cjson.encode(ARGV[3]) .. ',"message":' .. json .. '}'
return {'ok', record(changes, 'message.updated', body, ARGV[4])}
`);

/**
 * KEYS: room sorted set, reactions hash, changes stream. ARGV: exact member, message id, room id,
 * server id, search key prefix, search terms to remove, the room's pins hash. Removes the message and its reactions. Returns {'ok', change JSON} or {'gone'}.
 */
const DELETE = new LuaScript(`${RECORD_CHANGE_LUA}${SEARCH_INDEX_LUA}
local room, hash, changes = KEYS[1], KEYS[2], KEYS[3]
if redis.call('ZREM', room, ARGV[1]) == 0 then return {'gone'} end
redis.call('HDEL', hash, ARGV[2])
search_index(ARGV[5], ARGV[2], ARGV[6], '')
if ARGV[7] then redis.call('HDEL', ARGV[7], ARGV[2]) end
local body = '{"type":"message.deleted","roomId":' .. cjson.encode(ARGV[3]) .. ',"id":' .. cjson.encode(ARGV[2]) .. '}'
return {'ok', record(changes, 'message.deleted', body, ARGV[4])}
`);

export type EditResult =
  | { status: "edited"; change: MessageUpdated }
  | { status: "not-found" }
  | { status: "forbidden" };
export type DeleteResult =
  | { status: "deleted"; change: MessageDeleted; message: ChatMessage }
  | { status: "not-found" }
  | { status: "forbidden" };

/** How many times an edit or deletion looks the message up again after losing a race with another change. */
const ATTEMPTS = 3;

/**
 * Editing and deleting stored messages in place in `room:{id}`. Each change is one script: the
 * sorted set, the change log and the publication on `MESSAGES` change together. The message is
 * found first (messages/lookup.ts) and the script acts only when that exact member is still there.
 */
export class MessageEdits {
  constructor(private readonly redis: Redis, private readonly bus: PubSubMode = "seed", private readonly search?: SearchIndex) {}

  /** The search terms a change of `found` to `text` removes and adds ('' each when search is off). */
  private terms(found: FoundMessage, text: string): { removed: string; added: string } {
    if (!this.search) return { removed: "", added: "" };
    const before = indexedOf(found);
    return termChange(this.search, before, { ...before, message: text });
  }

  /**
   * Gives message `id` the new `text` and `mentions` (ids, see messages/mentions.ts); only its author
   * may. The stored JSON keeps every other field (reply included) and gains `edited`. `serverId` is
   * what the publication carries (the caller's instance skips it and delivers locally).
   */
  async edit(roomId: string, id: string, editorId: number, text: string, mentions: number[], serverId: string): Promise<EditResult> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const found = await findMessage(this.redis, roomId, id);
      if (!found) return { status: "not-found" };
      if (found.message.from !== editorId) return { status: "forbidden" };
      const { edited: _edited, reactions: _reactions, mentions: _mentions, ...kept } = found.message;
      // A message with files keeps their lines after the new text (for seed clients).
      const message = attachmentFallback(text, roomId, kept.attachments ?? []);
      const next: ChatMessage = { ...kept, message, ...(mentions.length ? { mentions } : {}) };
      // A reply's quote as its original is now (deleted or edited since), stored and published so.
      if (next.replyTo) await resolveReplies(this.redis, roomId, [next]);
      const json = JSON.stringify(next);
      const terms = this.terms(found, message);
      const reply = (await EDIT.run(this.redis, [keys.room(roomId), keys.roomChanges(roomId)], [
        found.member, json.slice(0, -1), roomId, serverId,
        keys.searchPrefix(roomId), terms.removed, terms.added, found.message.id,
        ...(id.includes("-") ? ["", ""] : [scoreFromMessageId(id), `{"id":${JSON.stringify(id)}`]),
        ...busArgs(this.bus, roomId),
      ])) as [string, string?];
      if (reply[0] === "gone") continue;
      // Replies quoting it: the text edited away leaves their stored quotes too.
      await rewriteQuotesOf(this.redis, roomId, found.message.id, false);
      return { status: "edited", change: MessageUpdated.parse(JSON.parse(reply[1]!)) };
    }
    return { status: "not-found" };
  }

  /**
   * Removes message `id` and its reactions from the room. `mayDeleteAny` (administrators) lifts the
   * author-only rule; it is asked only when the deleter is not the author.
   */
  async delete(roomId: string, id: string, userId: number, mayDeleteAny: () => Promise<boolean>, serverId: string): Promise<DeleteResult> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const found = await findMessage(this.redis, roomId, id);
      if (!found) return { status: "not-found" };
      if (found.message.from !== userId && !(await mayDeleteAny())) return { status: "forbidden" };
      const reply = (await DELETE.run(this.redis, [keys.room(roomId), keys.roomReactions(roomId), keys.roomChanges(roomId)], [
        found.member, found.message.id, roomId, serverId,
        keys.searchPrefix(roomId), this.search ? termsFor(this.search, indexedOf(found)) : "", keys.roomPins(roomId),
        ...busArgs(this.bus, roomId),
      ])) as [string, string?];
      if (reply[0] === "gone") continue;
      // Replies quoting it: none of its text stays in their stored quotes.
      await rewriteQuotesOf(this.redis, roomId, found.message.id, true);
      return { status: "deleted", change: MessageDeleted.parse(JSON.parse(reply[1]!)), message: found.message };
    }
    return { status: "not-found" };
  }
}

/** What the search index read of a stored message: its text, its files (attachments, from the member itself) and its author. */
function indexedOf(found: FoundMessage): { message: string; attachments?: unknown; from: number } {
  const raw = JSON.parse(found.member) as { attachments?: unknown };
  return { message: found.message.message, attachments: raw.attachments, from: found.message.from };
}
