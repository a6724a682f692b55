import { GENERAL_ROOM_ID, JoinRoom, parsePrivateRoomId, type Ack } from "../../../protocol/index.js";
import { describeZodError } from "../../http/errors.js";
import { keys } from "../../redis/keys.js";
import { socketRooms } from "../socket-rooms.js";
import { onRequest, type ChatSocket, type HandlerDeps, type SocketHandlers } from "./handler.js";

/**
 * On connect: subscribes the socket to the named rooms its user is a member of (rooms people
 * made, issue 9), so clients need not emit `room.join` for each (the seed's client still does,
 * harmlessly). One `SMEMBERS user:{id}:rooms` per connection; membership itself is answered by
 * the member cache, which also closes the race with a removal heard meanwhile.
 */
async function joinMemberRooms(socket: ChatSocket, deps: HandlerDeps): Promise<void> {
  const { user, mode } = socket.data;
  const all = socket.data.roomIds ?? (await deps.ctx.redis.sMembers(keys.userRooms(user.id)));
  // Read once; an idle socket does not keep it.
  socket.data.roomIds = undefined;
  const ids = all.filter((id) => id !== GENERAL_ROOM_ID && !parsePrivateRoomId(id));
  if (ids.length === 0) return;
  const member = await Promise.all(ids.map((id) => deps.ctx.rooms.isMember(user.id, id)));
  if (socket.disconnected) return;
  socket.join(ids.filter((_, i) => member[i]).map((id) => socketRooms.room(mode, id)));
}

/** `room.join`: subscribe this socket to a named room it is a member of. */
export const roomHandlers: SocketHandlers = (socket, deps) => {
  const { ctx } = deps;
  joinMemberRooms(socket, deps).catch((err: unknown) =>
    ctx.log.warn({ err: String(err), userId: socket.data.user.id }, "could not subscribe a socket to its rooms"),
  );
  onRequest(socket, deps, "room.join", async (payload): Promise<Ack<{ roomId: string }>> => {
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
  });
};
