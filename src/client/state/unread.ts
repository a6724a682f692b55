import type { ChatMessage } from "../../protocol/index.js";
import { isAfter } from "./ids.js";

/** Messages from other people newer than the last one read. `null` means nothing read yet. */
export function countUnread(messages: readonly ChatMessage[], lastReadId: string | null, myId: number): number {
  let count = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (!isAfter(m.id, lastReadId)) break;
    if (m.from !== myId) count++;
  }
  return count;
}

export function totalUnread(counts: Iterable<number>): number {
  let total = 0;
  for (const c of counts) total += c;
  return total;
}

export function pageTitle(total: number, base = "Redis Chat"): string {
  if (total <= 0) return base;
  return `(${total > 99 ? "99+" : total}) ${base}`;
}

/** The read state of one room, as the room keeps it. */
export interface ReadFields {
  id: string;
  messages: readonly ChatMessage[];
  hasOlder: boolean;
  /** The newest message read here (this tab's view: may be ahead of the server). */
  lastReadId: string | null;
  /** The newest message read as the server last said (`GET /rooms/:userId`, `room.read`, `PUT …/read`). */
  serverReadId: string | null;
  /** The server's unread count when it last said, covering messages this tab may not have loaded. */
  serverUnread: number;
}

/**
 * Unread messages of a room: other people's loaded messages after the read mark, plus those the
 * server counted that are older than the loaded page (the read mark is before the first loaded
 * message and there is more history).
 */
export function roomUnread(room: ReadFields, myId: number): number {
  const loaded = countUnread(room.messages, room.lastReadId, myId);
  const oldest = room.messages[0];
  const beyondLoaded = room.serverUnread > 0 && (!oldest || (room.hasOlder && isAfter(oldest.id, room.lastReadId)));
  return beyondLoaded ? Math.max(loaded, room.serverUnread) : loaded;
}

/** The server says where reading stands (a listing, another tab's `room.read`, a PUT's answer). Never moves back. */
export function applyServerRead<R extends ReadFields>(room: R, lastRead: string | null, unread: number): R {
  if (lastRead !== null && room.serverReadId !== null && !isAfter(lastRead, room.serverReadId) && lastRead !== room.serverReadId) return room;
  const ahead = lastRead === null ? room.lastReadId : room.lastReadId !== null && isAfter(room.lastReadId, lastRead) ? room.lastReadId : lastRead;
  if (room.serverReadId === lastRead && room.serverUnread === unread && room.lastReadId === ahead) return room;
  return { ...room, serverReadId: lastRead, serverUnread: unread, lastReadId: ahead };
}

/** Everything up to `messageId` has been read here: the server's count no longer applies. */
export function markRead<R extends ReadFields>(room: R, messageId: string): R {
  if (room.lastReadId !== null && !isAfter(messageId, room.lastReadId)) return room.serverUnread ? { ...room, serverUnread: 0 } : room;
  return { ...room, lastReadId: messageId, serverUnread: 0 };
}

/** The read mark to send with `PUT /room/:id/read`, or null when the server already has it. */
export function readToSend(room: ReadFields): string | null {
  if (room.lastReadId === null) return null;
  return room.serverReadId === null || isAfter(room.lastReadId, room.serverReadId) ? room.lastReadId : null;
}
