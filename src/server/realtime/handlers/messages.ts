import { SendMessage, type MessageAck } from "../../../protocol/index.js";
import { postMessage, REPLY_NOT_FOUND } from "../../domain/messages/post.js";
import { describeZodError } from "../../http/errors.js";
import { onRequest, type SocketHandlers } from "./handler.js";

/** `message`: store a message from this socket's user and deliver it (see postMessage). */
export const messageHandlers: SocketHandlers = (socket, deps) => {
  const { ctx } = deps;
  onRequest(socket, deps, "message", async (payload): Promise<MessageAck> => {
    const parsed = SendMessage.safeParse(payload);
    if (!parsed.success) {
      ctx.metrics.messages.inc({ outcome: "refused" });
      return { ok: false, error: describeZodError(parsed.error) };
    }
    const { roomId, message: text, clientId, replyTo } = parsed.data;
    const result = await postMessage(ctx, { sender: socket.data.user, roomId, text, clientId, replyTo });
    switch (result.status) {
      case "not-member":
        return { ok: false, error: "You are not a member of this room" };
      case "reply-not-found":
        return { ok: false, error: REPLY_NOT_FOUND };
      case "rate-limited":
        return {
          ok: false,
          error: `Too many messages; try again in ${Math.ceil(result.retryAfterMs / 1000)} s`,
          retryAfterMs: Math.max(1, Math.ceil(result.retryAfterMs)),
        };
      default:
        return { ok: true, message: result.message };
    }
  });
};
