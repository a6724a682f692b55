import { GENERAL_ROOM_ID, parsePrivateRoomId, SendMessage, type MessageAck } from "../../../protocol/index.js";
import { describeZodError } from "../../http/errors.js";
import { onRequest, type SocketHandlers } from "./handler.js";

const REPLY_NOT_FOUND = "The message you reply to is not in this room (deleted?)";

/** `message`: store a message from this socket's user and deliver it (see Messages.store). */
export const messageHandlers: SocketHandlers = (socket, deps) => {
  const { ctx, delivery } = deps;
  onRequest(socket, deps, "message", async (payload): Promise<MessageAck> => {
    const parsed = SendMessage.safeParse(payload);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
    const { roomId, message: text, clientId, replyTo } = parsed.data;
    const user = socket.data.user;
    if (!(await ctx.rooms.isMember(user.id, roomId))) {
      return { ok: false, error: "You are not a member of this room" };
    }
    const { config } = ctx;
    // Mentions and the answered message are looked up only when the text has an `@` / there is a reply.
    const [room, mentions, original] = await Promise.all([
      ctx.rooms.privateSummary(roomId),
      ctx.mentions.resolve(roomId, text),
      replyTo === undefined ? undefined : ctx.messages.find(roomId, replyTo),
    ]);
    if (replyTo !== undefined && !original) return { ok: false, error: REPLY_NOT_FOUND };
    const result = await ctx.messages.store({
      roomId,
      from: user.id,
      text,
      clientId,
      serverId: config.serverId,
      rateLimit: config.messageRateLimit,
      rateWindowMs: config.messageRateWindowMs,
      showRoom: room,
      mentions,
      replyTo: original,
      // Rooms people make: the script checks the member set too, atomically with the write.
      // (General and private rooms are decided by their id; the member cache is warm from isMember.)
      checkMember: roomId !== GENERAL_ROOM_ID && !room && (await ctx.membership.isOurs(roomId)),
    });
    if (result.status === "not-member") return { ok: false, error: "You are not a member of this room" };
    if (result.status === "reply-not-found") return { ok: false, error: REPLY_NOT_FOUND };
    if (result.status === "rate-limited") {
      return {
        ok: false,
        error: `Too many messages; try again in ${Math.ceil(result.retryAfterMs / 1000)} s`,
        retryAfterMs: Math.max(1, Math.ceil(result.retryAfterMs)),
      };
    }
    if (result.status === "stored") {
      // Synchronously, in stored order: the other member learns of a new room before its first
      // message, as other instances do (the store script published show.room first).
      const opened = result.firstInRoom && room;
      if (opened) delivery.showRoom(room, parsePrivateRoomId(roomId)!.filter((id) => id !== user.id));
      delivery.message(result.message);
      // Web Push to members with no open connection: queued here, sent after the ack (once: only
      // the instance that stored the message gets here).
      ctx.notifications.messageStored(result.message);
      if (opened) await ctx.rooms.addPrivateMembers(roomId);
    }
    return { ok: true, message: result.message };
  });
};
