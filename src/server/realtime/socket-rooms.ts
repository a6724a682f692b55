import { GENERAL_ROOM_ID, isMadeRoomId, parsePrivateRoomId } from "../../protocol/index.js";

/**
 * Socket.IO room names. A socket joins the rooms of its delivery mode: `seed` sockets get one
 * event per message (the seed's protocol), `batch` sockets get `message.batch` frames.
 */
export type DeliveryMode = "seed" | "batch";

/** The names every socket joins, made once: each socket's set of rooms holds the same strings. */
const EVERYONE = { seed: "seed:all", batch: "batch:all" } as const;
const GENERAL = { seed: `seed:room:${GENERAL_ROOM_ID}`, batch: `batch:room:${GENERAL_ROOM_ID}` } as const;

export const socketRooms = {
  everyone: (mode: DeliveryMode) => EVERYONE[mode],
  user: (mode: DeliveryMode, userId: number) => `${mode}:user:${userId}`,
  room: (mode: DeliveryMode, roomId: string) => (roomId === GENERAL_ROOM_ID ? GENERAL[mode] : `${mode}:room:${roomId}`),
};

/**
 * Where a chat room's messages go. Private rooms are delivered to their two members' sockets, named
 * by the id itself, so no socket ever has to join them and no one else can be reached; General and
 * other named rooms are delivered to the sockets that joined them.
 */
export function deliveryTargets(mode: DeliveryMode, roomId: string): string[] {
  const pair = parsePrivateRoomId(roomId);
  if (pair) return [socketRooms.user(mode, pair[0]), socketRooms.user(mode, pair[1])];
  return [socketRooms.room(mode, roomId)];
}

export const GENERAL_SOCKET_ROOMS = (mode: DeliveryMode) => [socketRooms.everyone(mode), socketRooms.room(mode, GENERAL_ROOM_ID)];

/** How many counters MembershipChanges keeps: users share one by id, so the table never grows. */
const CHANGE_COUNTERS = 4096;

/**
 * Membership changes applied to this instance's sockets, counted per user (in a fixed table: two
 * users may share a counter, which only costs a needless recheck). A connection reads its user's
 * rooms during the handshake, before it is connected; a change applied meanwhile cannot reach it
 * (Socket.IO applies `socketsJoin`/`socketsLeave` to connected sockets only), so the gateway
 * compares the counter before and after, and looks again when it moved.
 */
export class MembershipChanges {
  private readonly counters = new Uint32Array(CHANGE_COUNTERS);
  /** Bumped when changes may have been missed altogether (the subscription broke). */
  private generation = 0;

  changed(userIds: readonly number[]): void {
    for (const id of userIds) this.counters[id % CHANGE_COUNTERS]!++;
  }

  changedForAll(): void {
    this.generation++;
  }

  /** A value that differs from an earlier one when the user's rooms may have changed since. */
  mark(userId: number): string {
    return `${this.generation}:${this.counters[userId % CHANGE_COUNTERS]}`;
  }
}

/** What a socket room lookup needs: the user's room ids (seed key) and a membership check. */
export interface MemberRoomSource {
  roomIdsOf(userId: number): Promise<string[]>;
  isMember(userId: number, roomId: string): Promise<boolean>;
}

/**
 * The socket rooms every connection of `userId` is in, whatever rooms the user is a member of:
 * General and the user's own room (private rooms are delivered there).
 */
export function baseSocketRooms(mode: DeliveryMode, userId: number): string[] {
  return [...GENERAL_SOCKET_ROOMS(mode), socketRooms.user(mode, userId)];
}

/**
 * The socket rooms of each named room `userId` is a member of (rooms people made, issue 9, and
 * named rooms of seed servers). With baseSocketRooms, the one place a connection's rooms are
 * decided: the gateway joins them all before the connection is announced to the client (see
 * gateway.ts), so nothing said in any of them can pass between the client's catch-up and its
 * subscription.
 */
export async function namedSocketRoomsOf(source: MemberRoomSource, mode: DeliveryMode, userId: number): Promise<string[]> {
  const named = (await source.roomIdsOf(userId)).filter((id) => id !== GENERAL_ROOM_ID && !parsePrivateRoomId(id));
  // A room we made is checked against its member set (the seed key may lag a removal); for any
  // other, membership is the seed key just read.
  const member = await Promise.all(named.map((id) => (isMadeRoomId(id) ? source.isMember(userId, id) : true)));
  return named.filter((_, i) => member[i]).map((id) => socketRooms.room(mode, id));
}
