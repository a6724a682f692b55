import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { PinParams, PinsList, PinsUpdated, RoomParams, SavedList, SavedParams } from "../../../protocol/index.js";
import type { Outcome } from "../../domain/messages/actions.js";
import type { ChatContext } from "../../context.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new HttpError(outcome.status, outcome.error);
  return outcome.value;
}

/** Pinned messages of a room (managers pin, members read) and one's own saved messages. */
export function pinRoutes(ctx: ChatContext) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get("/room/:id/pins", { schema: { params: RoomParams, response: { 200: PinsList } } }, async (request) =>
      unwrap(await ctx.pins.list(currentUser(request).id, request.params.id)),
    );
    for (const [method, pinned] of [["PUT", true], ["DELETE", false]] as const) {
      app.route({
        method,
        url: "/room/:id/pins/:messageId",
        schema: { params: PinParams, response: { 200: PinsUpdated } },
        handler: async (request) => unwrap(await ctx.pins.pin(currentUser(request).id, request.params.id, request.params.messageId, pinned)),
      });
      app.route({
        method,
        url: "/me/saved/:roomId/:messageId",
        schema: { params: SavedParams, response: { 200: z.object({ saved: z.boolean() }) } },
        handler: async (request) =>
          unwrap(await ctx.saved.save(currentUser(request).id, request.params.roomId, request.params.messageId, pinned)),
      });
    }
    app.get("/me/saved", { schema: { response: { 200: SavedList } } }, async (request) => ctx.saved.list(currentUser(request).id));
  };
  return plugin;
}
