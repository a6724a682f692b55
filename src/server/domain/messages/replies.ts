import { deletedReplyPreview, replyPreviewOf, type ChatMessage } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { parseStoredMessage } from "../messages.js";
import { scoreRange } from "./lookup.js";

/**
 * KEYS: room sorted set. ARGV: pairs of [min, max] scores (ZRANGE BYSCORE), one pair per message
 * looked for. Answers, per pair, the flat `member, score, ...` list in that range: every original a
 * page quotes, in one round trip on the room's slot.
 */
const FIND_ORIGINALS = new LuaScript(`
local out = {}
for i = 1, #ARGV, 2 do
  out[#out + 1] = redis.call('ZRANGE', KEYS[1], ARGV[i], ARGV[i + 1], 'BYSCORE', 'WITHSCORES')
end
return out
`);

/**
 * Quotes of a page's replies as their originals are now (see MessageReplyPreview): the current text
 * (an edit shows; text edited away does not), or `deleted` with no text once the original is gone,
 * so that a deleted message (a secret pasted by mistake) cannot be read through a reply to it. The
 * stored quote is what the reply was sent with; it is never served as is. Changes `messages` in place.
 */
export async function resolveReplies(redis: Redis, roomId: string, messages: ChatMessage[]): Promise<void> {
  const ids = [...new Set(messages.flatMap((m) => (m.replyTo ? [m.replyTo] : [])))];
  if (ids.length === 0) return;
  const ranges = ids.flatMap((id) => scoreRange(id));
  const answer = (await FIND_ORIGINALS.run(redis, [keys.room(roomId)], ranges)) as string[][];
  const originals = new Map<string, ChatMessage>();
  ids.forEach((id, i) => {
    const found = answer[i] ?? [];
    for (let j = 0; j + 1 < found.length; j += 2) {
      const message = parseStoredMessage(found[j]!, Number(found[j + 1]), roomId);
      if (message?.id === id) originals.set(id, message);
    }
  });
  for (const message of messages) {
    if (!message.replyTo) continue;
    const original = originals.get(message.replyTo);
    message.reply = original ? replyPreviewOf(original) : deletedReplyPreview(message.reply?.from ?? 0);
  }
}

/** resolveReplies for messages of several rooms (search, saved messages): one script per room that has replies, in parallel. */
export async function resolveRepliesInRooms(redis: Redis, messages: ChatMessage[]): Promise<void> {
  const byRoom = new Map<string, ChatMessage[]>();
  for (const message of messages) {
    if (!message.replyTo) continue;
    const list = byRoom.get(message.roomId);
    if (list) list.push(message);
    else byRoom.set(message.roomId, [message]);
  }
  await Promise.all([...byRoom].map(([roomId, list]) => resolveReplies(redis, roomId, list)));
}
