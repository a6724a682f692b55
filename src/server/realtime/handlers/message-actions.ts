import { DeleteMessage, EditMessage, type DeleteAck, type MessageAck } from "../../../protocol/index.js";
import { describeZodError } from "../../http/errors.js";
import type { SocketHandlers } from "./handler.js";
import { deleteWithAudit } from "../../domain/moderation/message-deletions.js";

/**
 * `message.edit` and `message.delete` (see MessageActions). The change is delivered to this
 * instance's sockets here and reaches other instances through `MESSAGES` (published by its script).
 */
export const messageActionHandlers: SocketHandlers = {
  async "message.edit"(socket, payload, { ctx, delivery }): Promise<MessageAck> {
    const parsed = EditMessage.safeParse(payload);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
    const { roomId, id, message } = parsed.data;
    const outcome = await ctx.messageActions.edit(socket.data.user.id, roomId, id, message, ctx.config.serverId);
    if (!outcome.ok) return { ok: false, error: outcome.error };
    delivery.roomEvent("message.updated", roomId, outcome.value);
    return { ok: true, message: outcome.value.message };
  },

  async "message.delete"(socket, payload, { ctx, delivery }): Promise<DeleteAck> {
    const parsed = DeleteMessage.safeParse(payload);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
    const { roomId, id } = parsed.data;
    // An administrator deleting someone else's message is written to the audit log (issue 9).
    const userId = socket.data.user.id;
    const outcome = await deleteWithAudit(ctx, userId, roomId, id, () => ctx.messageActions.delete(userId, roomId, id, ctx.config.serverId));
    if (!outcome.ok) return { ok: false, error: outcome.error };
    delivery.roomEvent("message.deleted", roomId, outcome.value);
    return { ok: true, id };
  },
};
