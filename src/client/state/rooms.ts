import { GENERAL_ROOM_ID, parsePrivateRoomId, type ChatMessage, type RoomSummary } from "../../protocol/index.js";
import { compareMessageIds } from "./ids.js";

export interface RoomState {
  id: string;
  names: string[];
  /** Oldest first, each id once. */
  messages: readonly ChatMessage[];
  /** The first page has been fetched (or the room is known to be new and empty). */
  loaded: boolean;
  loadingOlder: boolean;
  hasOlder: boolean;
  historyError: string | null;
  lastReadId: string | null;
  /** When there is no saved read mark yet, everything in the first page counts as read. */
  readOnFirstLoad: boolean;
  /** Where the "new messages" divider goes while the room is open. */
  dividerAfterId: string | null;
  /** Where this room's change log (edits, deletions, reactions) has been read up to; null before the first read. */
  changeCursor: string | null;
}

export function newRoom(summary: RoomSummary, lastReadId: string | null, readOnFirstLoad: boolean): RoomState {
  return {
    id: summary.id,
    names: summary.names,
    messages: [],
    loaded: false,
    loadingOlder: false,
    hasOlder: true,
    historyError: null,
    lastReadId,
    readOnFirstLoad,
    dividerAfterId: null,
    changeCursor: null,
  };
}

/** The partner of a private room (by id), or null for General and other shared rooms. */
export function otherMemberId(roomId: string, myId: number): number | null {
  const members = parsePrivateRoomId(roomId);
  if (!members) return null;
  return members[0] === myId ? members[1] : members[0];
}

/** General is "General"; a private room is named after the other person. */
export function roomTitle(room: Pick<RoomState, "id" | "names">, myName: string): string {
  if (room.id === GENERAL_ROOM_ID) return room.names[0] ?? "General";
  const others = room.names.filter((n) => n !== myName);
  return others[0] ?? room.names[0] ?? `Room ${room.id}`;
}

/** General first, then rooms by latest activity (rooms with no messages after those with some). */
export function sortRooms<T extends Pick<RoomState, "id" | "messages">>(rooms: readonly T[]): T[] {
  return [...rooms].sort((a, b) => {
    if (a.id === GENERAL_ROOM_ID) return -1;
    if (b.id === GENERAL_ROOM_ID) return 1;
    const la = a.messages[a.messages.length - 1];
    const lb = b.messages[b.messages.length - 1];
    if (la && lb) return lb.date - la.date || compareMessageIds(lb.id, la.id);
    if (la) return -1;
    if (lb) return 1;
    return a.id < b.id ? -1 : 1;
  });
}
