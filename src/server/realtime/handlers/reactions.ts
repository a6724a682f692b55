import { ReactToMessage, type ReactionAck } from "../../../protocol/index.js";
import { describeZodError } from "../../http/errors.js";
import type { EventHandler, SocketHandlers } from "./handler.js";

/**
 * `reaction.add` / `reaction.remove`: any member of the room. A change goes to the room's sockets
 * here and to other instances through `MESSAGES`; a request that changes nothing (already there /
 * not there) is answered with the reactions as they are and sent to no one.
 */
export const reactionHandlers: SocketHandlers = {
  "reaction.add": react(true),
  "reaction.remove": react(false),
};

function react(add: boolean): EventHandler {
  return async (socket, payload, { ctx, delivery }): Promise<ReactionAck> => {
    const parsed = ReactToMessage.safeParse(payload);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
    const { roomId, id, emoji } = parsed.data;
    const outcome = await ctx.messageActions.react(socket.data.user.id, roomId, id, emoji, add, ctx.config.serverId);
    if (!outcome.ok) return { ok: false, error: outcome.error };
    if (outcome.value.change) delivery.roomEvent("reaction.updated", roomId, outcome.value.change);
    return { ok: true, reactions: outcome.value.reactions };
  };
}
