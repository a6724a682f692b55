import type { ChatMessage } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { findMessage } from "./lookup.js";
import { resolveReplies } from "./replies.js";

/**
 * Replaces a stored member with another at the same score, only if it is still there exactly (an
 * edit or reaction meanwhile made a new one: then the caller looks again). KEYS: room sorted set.
 * ARGV: member, new member. Returns 1 when replaced.
 */
const REPLACE = new LuaScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], score, ARGV[2])
return 1`);

const ATTEMPTS = 3;

/**
 * The quotes stored in replies follow their original: once it is deleted, none of its text stays in
 * Redis (a seed server reads `room:{id}` as it is; backups hold it), and once it is edited, the text
 * edited away goes too. Reads never serve a stored quote as is (replies.ts); this scrubs what is
 * stored. The store script lists each reply under its original in `{room:ID}:replies`; replies
 * stored before that list existed are resolved on read only. Off the send path: a deletion or edit
 * pays it, one lookup and one compare-and-set per reply.
 */
export async function rewriteQuotesOf(redis: Redis, roomId: string, originalId: string, originalDeleted: boolean): Promise<void> {
  const listed = await redis.hGet(keys.roomReplies(roomId), originalId);
  if (!listed) return;
  if (originalDeleted) await redis.hDel(keys.roomReplies(roomId), originalId);
  for (const replyId of new Set(listed.split(" "))) await requote(redis, roomId, replyId, originalId);
}

async function requote(redis: Redis, roomId: string, replyId: string, originalId: string): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const found = await findMessage(redis, roomId, replyId);
    if (!found || found.message.replyTo !== originalId) return;
    const { reactions: _reactions, ...stored } = found.message;
    const next: ChatMessage = { ...stored };
    await resolveReplies(redis, roomId, [next]);
    if (JSON.stringify(next.reply) === JSON.stringify(found.message.reply)) return;
    if (Number(await REPLACE.run(redis, [keys.room(roomId)], [found.member, JSON.stringify(next)])) === 1) return;
  }
}
