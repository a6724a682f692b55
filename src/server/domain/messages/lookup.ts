import type { ChatMessage } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { scoreFromMessageId } from "../message-ids.js";
import { parseStoredMessage } from "../messages.js";

/** A message found in `room:{id}`: its parsed form, and the exact member and score to replace it by. */
export interface FoundMessage {
  message: ChatMessage;
  /** The sorted-set member exactly as stored (the JSON text a script must ZREM / ZSCORE). */
  member: string;
  score: number;
}

/**
 * Finds a message of a room by id: one `ZRANGE BYSCORE` over the scores the id can have, its entries
 * read the way history reads them (parseStoredMessage) and matched by id. An id is the message's
 * score in microseconds (domain/message-ids.ts): ours name their exact, unique score; ids of
 * messages a server that follows the seed wrote (`<micros>-<member hash>`) name a whole second that
 * several may share, so the range is that second.
 *
 * Returns undefined when the room has no such message.
 */
export async function findMessage(redis: Redis, roomId: string, id: string): Promise<FoundMessage | undefined> {
  const entries = await redis.zRangeWithScores(keys.room(roomId), ...scoreRange(id), { BY: "SCORE" });
  for (const entry of entries) {
    const message = parseStoredMessage(entry.value, entry.score, roomId);
    if (message?.id === id) return { message, member: entry.value, score: entry.score };
  }
  return undefined;
}

/** [min, max] scores (ZRANGE BYSCORE syntax) of the message an id names. */
export function scoreRange(id: string): [string, string] {
  const dash = id.indexOf("-");
  if (dash < 0) {
    const score = scoreFromMessageId(id);
    return [score, score];
  }
  const micros = id.slice(0, dash);
  const second = micros.length > 6 ? micros.slice(0, -6) : "0";
  return [second, `(${(BigInt(second) + 1n).toString()}`];
}
