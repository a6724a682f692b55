import {
  GENERAL_ROOM_ID, parsePrivateRoomId, type ChatMessage, type RoomKind, type RoomSummary, type RoomVisibility, type UserRoom,
} from "../../protocol/index.js";
import { compareMessageIds } from "./ids.js";

/** What a room is (the server's `kind`): General, one-to-one, a named room, a group conversation. */
export type RoomKindName = RoomKind;

/**
 * A room as `GET /rooms/:userId` lists it: the seed's `{id, names}` (all a seed server or the seed's
 * `show.room` gives), and from this server the name, kind, topic, visibility and read state.
 */
export type RoomListing = RoomSummary & Partial<Omit<UserRoom, "id" | "names">>;

export interface RoomState {
  id: string;
  names: string[];
  /** The server's name for the room (named rooms; a group's members), when it sent one. */
  name?: string;
  kind?: RoomKindName;
  topic?: string;
  visibility?: RoomVisibility;
  memberCount?: number;
  /** Oldest first, each id once: the window of history loaded (the newest, or around a message jumped to). */
  messages: readonly ChatMessage[];
  /** The room's newest message, whatever window is loaded (latest.ts): the sidebar's preview and order. */
  latest: ChatMessage | null;
  /** The first page has been fetched (or the room is known to be new and empty). */
  loaded: boolean;
  loadingOlder: boolean;
  hasOlder: boolean;
  /**
   * The loaded messages are a window of older history (a permalink, a search result): newer pages
   * are fetched as the reader scrolls down, and live messages join once the window reaches the end.
   */
  hasNewer: boolean;
  loadingNewer: boolean;
  historyError: string | null;
  lastReadId: string | null;
  /** The read mark the server has (see unread.ts), and its unread count then. */
  serverReadId: string | null;
  serverUnread: number;
  /** When there is no saved read mark yet, everything in the first page counts as read. */
  readOnFirstLoad: boolean;
  /** Where the "new messages" divider goes while the room is open. */
  dividerAfterId: string | null;
  /**
   * Where reading stands here is known: from a listing (the server's `lastRead`; a seed server's
   * rooms, whose marks this browser keeps) or the server's read state. A room only heard of by a
   * message, before its listing came, is not: its divider cannot be placed yet.
   */
  readKnown: boolean;
  /** Where this room's change log (edits, deletions, reactions) has been read up to; null before the first read. */
  changeCursor: string | null;
}

export function newRoom(summary: RoomListing, lastReadId: string | null, readOnFirstLoad: boolean): RoomState {
  return {
    ...listingFields(summary),
    id: summary.id,
    names: summary.names,
    messages: [],
    latest: null,
    loaded: false,
    loadingOlder: false,
    hasOlder: true,
    hasNewer: false,
    loadingNewer: false,
    historyError: null,
    lastReadId,
    serverReadId: null,
    serverUnread: 0,
    readOnFirstLoad,
    dividerAfterId: null,
    readKnown: listingKnowsRead(summary),
    changeCursor: null,
  };
}

/**
 * The listing says where reading stands: it carries the server's `lastRead`, or it is a seed
 * server's listing (named, without read state: this browser decides). A stand-in for a room heard
 * of by a message (`names` empty, nothing else) does not.
 */
export function listingKnowsRead(summary: RoomListing): boolean {
  return summary.lastRead !== undefined || summary.names.length > 0;
}

/** The descriptive fields of a listing that a room keeps (absent ones stay absent). */
export function listingFields(summary: RoomListing): Pick<RoomState, "name" | "kind" | "topic" | "visibility"> {
  const out: Pick<RoomState, "name" | "kind" | "topic" | "visibility"> = {};
  if (summary.name !== undefined) out.name = summary.name;
  if (summary.kind !== undefined) out.kind = summary.kind;
  if (summary.topic !== undefined) out.topic = summary.topic;
  if (summary.visibility !== undefined) out.visibility = summary.visibility;
  return out;
}

/** The room's kind: as the server said, else from its id (General, `{low}:{high}`, anything else a room). */
export function roomKind(room: Pick<RoomState, "id" | "kind">): RoomKindName {
  if (room.kind) return room.kind;
  if (room.id === GENERAL_ROOM_ID) return "general";
  return parsePrivateRoomId(room.id) ? "private" : "room";
}

/** The partner of a private room (by id), or null for General and other shared rooms. */
export function otherMemberId(roomId: string, myId: number): number | null {
  const members = parsePrivateRoomId(roomId);
  if (!members) return null;
  return members[0] === myId ? members[1] : members[0];
}

/** General is "General"; a private room is named after the other person. */
export function roomTitle(room: Pick<RoomState, "id" | "names" | "name" | "kind">, myName: string): string {
  if (room.id === GENERAL_ROOM_ID) return room.names[0] ?? "General";
  const kind = roomKind(room);
  if (kind === "room" && room.name) return room.name;
  if (kind === "group") {
    const others = groupMembers(room).filter((n) => n !== myName);
    if (others.length) return others.join(", ");
  }
  const others = room.names.filter((n) => n !== myName);
  return others[0] ?? room.names[0] ?? `Room ${room.id}`;
}

/**
 * The usernames of a group conversation: the server names a group after its members, joined with
 * ", " (usernames never contain a comma), in `name` and as its one seed `names` entry.
 */
export function groupMembers(room: Pick<RoomState, "names" | "name">): string[] {
  const all = room.name ? [room.name] : room.names;
  return [...new Set(all.flatMap((n) => n.split(", ")).filter(Boolean))];
}

/** General first, then rooms by latest activity (rooms with no messages after those with some). */
export function sortRooms<T extends Pick<RoomState, "id" | "latest">>(rooms: readonly T[]): T[] {
  return [...rooms].sort((a, b) => {
    if (a.id === GENERAL_ROOM_ID) return -1;
    if (b.id === GENERAL_ROOM_ID) return 1;
    const la = a.latest;
    const lb = b.latest;
    if (la && lb) return lb.date - la.date || compareMessageIds(lb.id, la.id);
    if (la) return -1;
    if (lb) return 1;
    return a.id < b.id ? -1 : 1;
  });
}
