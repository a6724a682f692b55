import { TYPING_SERVER_MIN_INTERVAL_MS, TypingStart, type Ack, type Typing } from "../../../protocol/index.js";
import { describeZodError } from "../../http/errors.js";
import { keys } from "../../redis/keys.js";
import type { SocketHandlers } from "./handler.js";

/** Rooms one socket may have typed in within an interval; beyond it old entries are forgotten. */
const MAX_TRACKED_ROOMS = 32;

/**
 * `typing {roomId}`: tells the room's other members (every instance, through `MESSAGES`) that this
 * user is typing. Never stored. Refused for non-members. At most one per (socket, room) per
 * TYPING_SERVER_MIN_INTERVAL_MS is forwarded, whatever the client sends: a faster one is answered
 * `{ok: false}` and dropped, so a misbehaving client cannot turn keystrokes into fan-out.
 */
export const typingHandlers: SocketHandlers = {
  async typing(socket, payload, { ctx, delivery, bridge }): Promise<Ack<object>> {
    const parsed = TypingStart.safeParse(payload);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
    const { roomId } = parsed.data;
    const now = Date.now();
    // Made on the socket's first typing event: most connections never type.
    const lastForwarded = (socket.data.typedAt ??= new Map<string, number>());
    const last = lastForwarded.get(roomId);
    if (last !== undefined && now - last < TYPING_SERVER_MIN_INTERVAL_MS) return { ok: false, error: "Too many typing events" };
    const userId = socket.data.user.id;
    if (!(await ctx.rooms.isMember(userId, roomId))) return { ok: false, error: "You are not a member of this room" };
    if (lastForwarded.size >= MAX_TRACKED_ROOMS) {
      for (const [room, at] of lastForwarded) if (now - at >= TYPING_SERVER_MIN_INTERVAL_MS) lastForwarded.delete(room);
    }
    lastForwarded.set(roomId, now);
    const typing: Typing = { roomId, userId };
    delivery.roomEvent("typing", roomId, typing, userId);
    await bridge.publish("typing", typing, [keys.roomChannel(roomId)]);
    return { ok: true };
  },
};
