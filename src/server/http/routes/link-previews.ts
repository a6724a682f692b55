import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { MessageParams, PreviewsOfMessage } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { MessagePreviews } from "../../domain/messages/previews.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";

/**
 * `DELETE /room/:roomId/messages/:messageId/previews`: the author removes the link previews of
 * their message, also those still being fetched (they will not appear). Published like the REST
 * message actions (`<serverId>/http`), so every instance, this one too, delivers `previews.updated`.
 */
export function linkPreviewRoutes(ctx: ChatContext) {
  const publisher = `${ctx.config.serverId}/http`;
  const previews = new MessagePreviews(ctx.redis);
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.delete(
      "/room/:roomId/messages/:messageId/previews",
      { schema: { params: MessageParams, response: { 200: PreviewsOfMessage } } },
      async (request) => {
        const { roomId, messageId } = request.params;
        const userId = currentUser(request).id;
        if (!(await ctx.rooms.isMember(userId, roomId))) throw new HttpError(403, "You are not a member of this room");
        const result = await previews.remove(roomId, messageId, userId, publisher);
        if (result.status === "not-found") throw new HttpError(404, "No such message in this room");
        if (result.status === "forbidden") throw new HttpError(403, "Only its author can remove a message's previews");
        return { roomId, id: messageId, previews: [] };
      },
    );
  };
  return plugin;
}
