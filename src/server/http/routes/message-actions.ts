import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  ChangesPage,
  ChatMessage,
  DeletedMessage,
  ReactionsOfMessage,
  ChangesQuery,
  EditMessageBody,
  MessageParams,
  ReactionParams,
  RoomId,
} from "../../../protocol/index.js";
import type { Outcome } from "../../domain/messages/actions.js";
import type { ChatContext } from "../../context.js";
import { HttpError } from "../errors.js";
import { RateLimited } from "../../domain/rate-limits.js";
import { currentUser } from "./auth.js";
import { deleteWithAudit } from "../../domain/moderation/message-deletions.js";

/**
 * Acting on stored messages over REST: read one, edit, delete, react, and the room's change log
 * for catching up (see MessageActions, docs/api.md).
 *
 * A REST request has no socket, so its change is published under this instance's id with `/http`
 * appended: no instance takes it for its own, and every one, this one included, delivers it to its
 * sockets through the bridge.
 */
export function messageActionRoutes(ctx: ChatContext) {
  const publisher = `${ctx.config.serverId}/http`;
  const actions = ctx.messageActions;

  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get(
      "/room/:roomId/messages/:messageId",
      { schema: { params: MessageParams, response: { 200: ChatMessage } } },
      async (request) => {
        const { roomId, messageId } = request.params;
        return settle(await actions.get(currentUser(request).id, roomId, messageId));
      },
    );

    app.patch(
      "/room/:roomId/messages/:messageId",
      { schema: { params: MessageParams, body: EditMessageBody, response: { 200: ChatMessage } } },
      async (request) => {
        const { roomId, messageId } = request.params;
        const change = settle(await actions.edit(currentUser(request).id, roomId, messageId, request.body.message, publisher));
        return change.message;
      },
    );

    app.delete(
      "/room/:roomId/messages/:messageId",
      { schema: { params: MessageParams, response: { 200: DeletedMessage } } },
      async (request) => {
        const { roomId, messageId } = request.params;
        const actorId = currentUser(request).id;
        // An administrator deleting someone else's message is written to the audit log (issue 9).
        settle(await deleteWithAudit(ctx, actorId, roomId, messageId, () => actions.delete(actorId, roomId, messageId, publisher)));
        return { roomId, id: messageId };
      },
    );

    for (const [method, add] of [["PUT", true], ["DELETE", false]] as const) {
      app.route({
        method,
        url: "/room/:roomId/messages/:messageId/reactions/:emoji",
        schema: { params: ReactionParams, response: { 200: ReactionsOfMessage } },
        handler: async (request) => {
          const { roomId, messageId, emoji } = request.params;
          const { reactions } = settle(await actions.react(currentUser(request).id, roomId, messageId, emoji, add, publisher));
          return { roomId, id: messageId, reactions };
        },
      });
    }

    app.get(
      "/room/:roomId/changes",
      { schema: { params: z.object({ roomId: RoomId }), querystring: ChangesQuery, response: { 200: ChangesPage } } },
      async (request) => {
        const { since, size } = request.query;
        return settle(await actions.changes(currentUser(request).id, request.params.roomId, since, size));
      },
    );
  };
  return plugin;
}

/** The value of a successful outcome; a refusal becomes the HTTP error it names. */
function settle<T>(outcome: Outcome<T>): T {
  if (!outcome.ok && outcome.status === 429) throw new RateLimited("Too many edits, deletions and reactions", outcome.retryAfterMs);
  if (!outcome.ok) throw new HttpError(outcome.status, outcome.error);
  return outcome.value;
}
