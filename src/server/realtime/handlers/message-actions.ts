import { DeleteMessage, EditMessage, type DeleteAck, type MessageAck } from "../../../protocol/index.js";
import { describeZodError } from "../../http/errors.js";
import { onRequest, type SocketHandlers } from "./handler.js";
import { deleteWithAudit } from "../../domain/moderation/message-deletions.js";

/**
 * `message.edit` and `message.delete` (see MessageActions). The change is delivered to this
 * instance's sockets here and reaches other instances through `MESSAGES` (published by its script).
 */
export const messageActionHandlers: SocketHandlers = (socket, deps) => {
  const { ctx, delivery } = deps;
  const user = () => socket.data.user;

  onRequest(socket, deps, "message.edit", async (payload): Promise<MessageAck> => {
    const parsed = EditMessage.safeParse(payload);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
    const { roomId, id, message } = parsed.data;
    const outcome = await ctx.messageActions.edit(user().id, roomId, id, message, ctx.config.serverId);
    if (!outcome.ok) return { ok: false, error: outcome.error };
    delivery.roomEvent("message.updated", roomId, outcome.value);
    return { ok: true, message: outcome.value.message };
  });

  onRequest(socket, deps, "message.delete", async (payload): Promise<DeleteAck> => {
    const parsed = DeleteMessage.safeParse(payload);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
    const { roomId, id } = parsed.data;
    // An administrator deleting someone else's message is written to the audit log (issue 9).
    const outcome = await deleteWithAudit(ctx, user().id, roomId, id, () => ctx.messageActions.delete(user().id, roomId, id, ctx.config.serverId));
    if (!outcome.ok) return { ok: false, error: outcome.error };
    delivery.roomEvent("message.deleted", roomId, outcome.value);
    return { ok: true, id };
  });
};
