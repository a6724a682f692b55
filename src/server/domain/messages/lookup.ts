import type { ChatMessage } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { parseEntries, parseStoredMessage } from "../messages.js";

/** A message found in `room:{id}`: its parsed form, and the exact member and score to replace it by. */
export interface FoundMessage {
  message: ChatMessage;
  /** The sorted-set member exactly as stored (the JSON text a script must ZREM / ZSCORE). */
  member: string;
  score: number;
}

/**
 * Finds a message of a room by id. An id is the message's time in microseconds (domain/message-ids.ts),
 * so the message sits in the whole second the id names: one `ZRANGE BYSCORE [sec, sec+1)`, whose
 * entries are read the same way history is (parseEntries) and matched by id. This also finds messages
 * written by a server that follows the seed (no `id` in the JSON, id derived from the score), however
 * ids of such messages sharing one second are told apart, as long as history reading does it.
 *
 * Returns undefined when the room has no such message.
 */
export async function findMessage(redis: Redis, roomId: string, id: string): Promise<FoundMessage | undefined> {
  const second = id.length > 6 ? id.slice(0, -6) : "0";
  const next = (BigInt(second) + 1n).toString();
  const entries = await redis.zRangeWithScores(keys.room(roomId), second, `(${next}`, { BY: "SCORE" });
  // Parsed together, as history is (ids of members sharing a second may depend on their neighbours);
  // parseEntries keeps the order and drops only members that do not parse on their own.
  const messages = parseEntries(entries, roomId);
  const kept = entries.filter((entry) => parseStoredMessage(entry.value, entry.score, roomId) !== undefined);
  const index = messages.findIndex((m) => m.id === id);
  const entry = kept[index];
  return index === -1 || !entry ? undefined : { message: messages[index]!, member: entry.value, score: entry.score };
}
