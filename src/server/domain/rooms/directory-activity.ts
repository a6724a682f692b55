import { isMadeRoomId } from "../../../protocol/index.js";
import type { StoredMessageListener } from "../messages/post.js";
import type { NamedRooms } from "./named-rooms.js";

/** How often one instance moves one room up the directory at most. */
const TOUCH_EVERY_MS = 5_000;
/** Rooms remembered for that; past it the memory starts over (a few extra writes, no harm). */
const MAX_REMEMBERED = 10_000;

/**
 * Keeps the directory in order of newest activity: after a message is stored in a room people
 * made (a listener, off the send path: the sender's ack does not wait), its directory score moves
 * to the message's time, at most once per room every TOUCH_EVERY_MS per instance. A room that is
 * not in the directory (closed, a group) is left out by the write itself (`ZADD XX`).
 */
export function directoryActivity(namedRooms: NamedRooms, onError: (err: unknown) => void): StoredMessageListener {
  const touched = new Map<string, number>();
  return (message) => {
    if (!isMadeRoomId(message.roomId)) return;
    const now = Date.now();
    if (now - (touched.get(message.roomId) ?? 0) < TOUCH_EVERY_MS) return;
    if (touched.size >= MAX_REMEMBERED) touched.clear();
    touched.set(message.roomId, now);
    namedRooms.touchActivity(message.roomId, now).catch(onError);
  };
}
