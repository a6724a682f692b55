import { GENERAL_ROOM_ID, parsePrivateRoomId } from "../../protocol/index.js";

/**
 * Socket.IO room names. A socket joins the rooms of its delivery mode: `seed` sockets get one
 * event per message (the seed's protocol), `batch` sockets get `message.batch` frames.
 */
export type DeliveryMode = "seed" | "batch";

export const socketRooms = {
  everyone: (mode: DeliveryMode) => `${mode}:all`,
  user: (mode: DeliveryMode, userId: number) => `${mode}:user:${userId}`,
  room: (mode: DeliveryMode, roomId: string) => `${mode}:room:${roomId}`,
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
