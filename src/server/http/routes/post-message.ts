import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ChatMessage, PostMessageBody, RoomParams } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { ATTACHMENT_UNAVAILABLE, postMessage, REPLY_NOT_FOUND, type MessageSink } from "../../domain/messages/post.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";

/**
 * `POST /room/:id/messages {message, clientId?, replyTo?, attachments?}`: send a message over HTTP, for bots (bearer
 * token) and signed-in people alike, stored and delivered live exactly as a socket `message`
 * (postMessage). 201 with the stored message; a repeated clientId (within 10 minutes) answers 200
 * with the first one. 403 outside the room, 429 over the rate limit (with Retry-After).
 */
export function postMessageRoutes(ctx: ChatContext, sink: MessageSink) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.post(
      "/room/:id/messages",
      { schema: { params: RoomParams, body: PostMessageBody, response: { 200: ChatMessage, 201: ChatMessage } } },
      async (request, reply) => {
        const sender = currentUser(request);
        const result = await postMessage(ctx, sink, {
          sender,
          roomId: request.params.id,
          text: request.body.message,
          clientId: request.body.clientId,
          replyTo: request.body.replyTo,
          attachments: request.body.attachments,
        });
        switch (result.status) {
          case "not-member":
            throw new HttpError(await ctx.rooms.refusalStatus(request.params.id), "You are not a member of this room");
          case "reply-not-found":
            throw new HttpError(400, REPLY_NOT_FOUND);
          case "attachment-unavailable":
            throw new HttpError(400, ATTACHMENT_UNAVAILABLE);
          case "rate-limited":
            reply.header("retry-after", Math.ceil(result.retryAfterMs / 1000));
            throw new HttpError(429, `Too many messages; try again in ${Math.ceil(result.retryAfterMs / 1000)} s`);
          case "duplicate":
            return reply.code(200).send(result.message);
          default:
            return reply.code(201).send(result.message);
        }
      },
    );
  };
  return plugin;
}
