import { parsePrivateRoomId, type NotificationRoomKind } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/** Who a room's messages may notify. */
export interface RoomAudience {
  kind: NotificationRoomKind;
  /** The room's name (named and group rooms); null for a private room, titled by the sender. */
  name: string | null;
  /** The members, when the room is a conversation (private, group); null for named rooms, where only mentions notify. */
  members: number[] | null;
}

/**
 * A room's kind, name and (for conversations) members. A private room's members come from its id;
 * General and other named rooms are not enumerated: there, only the people a message mentions are
 * candidates, so a message never costs a walk over every member.
 */
export async function roomAudience(redis: Redis, roomId: string): Promise<RoomAudience> {
  const pair = parsePrivateRoomId(roomId);
  if (pair) return { kind: "private", name: null, members: pair };
  const name = await redis.get(keys.roomName(roomId));
  return { kind: "named", name: name ?? `Room ${roomId}`, members: null };
}

/** The room kind as far as the id tells (private from its shape; everything else named until told otherwise). */
export function roomKindFromId(roomId: string): NotificationRoomKind {
  return parsePrivateRoomId(roomId) ? "private" : "named";
}
