import { parsePrivateRoomId, SendMessage, type MessageAck } from "../../../protocol/index.js";
import { ATTACHMENT_UNAVAILABLE, postMessage, REPLY_NOT_FOUND } from "../../domain/messages/post.js";
import { describeZodError } from "../../http/errors.js";
import type { SocketHandlers } from "./handler.js";

/** `message`: store a message from this socket's user and deliver it (see postMessage). */
export const messageHandlers: SocketHandlers = {
  async message(socket, payload, deps): Promise<MessageAck> {
    const { ctx, delivery } = deps;
    const parsed = SendMessage.safeParse(payload);
    if (!parsed.success) {
      ctx.metrics.messages.inc({ outcome: "refused" });
      return { ok: false, error: describeZodError(parsed.error) };
    }
    const { roomId, message: text, clientId, replyTo, attachments } = parsed.data;
    // A private room of the sender's that this instance does not hear yet (a new conversation):
    // hear it before its first message is published, as its other messages will be.
    if (deps.bus?.enabled && parsePrivateRoomId(roomId)?.includes(socket.data.user.id)) await deps.bus.addRoom(socket.data.user.id, roomId);
    const result = await postMessage(ctx, delivery, { sender: socket.data.user, roomId, text, clientId, replyTo, attachments });
    switch (result.status) {
      case "not-member":
        return { ok: false, error: "You are not a member of this room" };
      case "reply-not-found":
        return { ok: false, error: REPLY_NOT_FOUND };
      case "attachment-unavailable":
        return { ok: false, error: ATTACHMENT_UNAVAILABLE };
      case "rate-limited":
        return {
          ok: false,
          error: `Too many messages; try again in ${Math.ceil(result.retryAfterMs / 1000)} s`,
          retryAfterMs: Math.max(1, Math.ceil(result.retryAfterMs)),
        };
      default:
        return { ok: true, message: result.message };
    }
  },
};
