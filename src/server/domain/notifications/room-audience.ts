import { GENERAL_ROOM_ID, parsePrivateRoomId, type NotificationRoomKind } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/** Who a room's messages may notify. */
export interface RoomAudience {
  kind: NotificationRoomKind;
  /** The members, when the room is a conversation (private, group); null for named rooms, where only mentions notify. */
  members: readonly number[] | null;
  /** The room's name (named and group rooms), read only when a notification is about to be sent; null for a private room. */
  name(): Promise<string | null>;
}

/**
 * A room's kind and (for conversations) members. A private room's come from its id, with no Redis
 * call; General and other named rooms are not enumerated: there, only the people a message
 * mentions are candidates, so a message never costs a walk over every member.
 */
export function roomAudience(redis: Redis, roomId: string): RoomAudience {
  const pair = parsePrivateRoomId(roomId);
  if (pair) return { kind: "private", members: pair, name: async () => null };
  let name: Promise<string> | undefined;
  return {
    kind: "named",
    members: null,
    name: () => (name ??= redis.get(keys.roomName(roomId)).then((n) => n ?? (roomId === GENERAL_ROOM_ID ? "General" : `Room ${roomId}`))),
  };
}

/** The room kind as far as the id tells (private from its shape; everything else named until told otherwise). */
export function roomKindFromId(roomId: string): NotificationRoomKind {
  return parsePrivateRoomId(roomId) ? "private" : "named";
}
