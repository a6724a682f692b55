import { JoinRoom, parsePrivateRoomId, type Ack } from "../../../protocol/index.js";
import { describeZodError } from "../../http/errors.js";
import { socketRooms } from "../socket-rooms.js";
import type { SocketHandlers } from "./handler.js";

/**
 * `room.join`: subscribe this socket to a named room it is a member of. (A connection is already in
 * every room of its user from its start, see gateway.ts; the seed's client still sends one for each
 * of its rooms, harmlessly, and a room heard of later is joined this way or by RoomSync.)
 */
export const roomHandlers: SocketHandlers = {
  async "room.join"(socket, payload, deps): Promise<Ack<{ roomId: string }>> {
    const { ctx } = deps;
    const parsed = JoinRoom.safeParse(payload);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
    const roomId = parsed.data;
    if (!(await ctx.rooms.isMember(socket.data.user.id, roomId))) {
      return { ok: false, error: "You are not a member of this room" };
    }
    // This instance hears the room before the client is told it joined (the sharded bus).
    await deps.bus?.addRoom(socket.data.user.id, roomId);
    // Private rooms need no join: they are delivered to their members' own socket rooms.
    if (!parsePrivateRoomId(roomId)) await socket.join(socketRooms.room(socket.data.mode, roomId));
    return { ok: true, roomId };
  },
};
