import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ChatMessage, CreatePrivateRoomBody, MessagesQuery, RoomParams, RoomSummary, UserParams, UserRoom } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";

export function roomRoutes(ctx: ChatContext) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get(
      "/rooms/:userId",
      { schema: { params: UserParams, response: { 200: z.array(UserRoom) } } },
      async (request) => {
        const user = currentUser(request);
        if (request.params.userId !== user.id) throw new HttpError(403, "You can only list your own rooms");
        // The seed's `{id, names}` plus name, kind, topic, visibility and read state (issue 9).
        return ctx.roomManagement.listFor(user.id);
      },
    );

    app.post(
      "/room",
      { schema: { body: CreatePrivateRoomBody, response: { 201: RoomSummary } } },
      async (request, reply) => {
        const user = currentUser(request);
        const { user1, user2 } = request.body;
        if (user1 !== user.id && user2 !== user.id) throw new HttpError(403, "You can only open rooms you are in");
        if (user1 === user2) throw new HttpError(400, "A private room needs two different users");
        const other = user1 === user.id ? user2 : user1;
        if (!(await ctx.users.exists(other))) throw new HttpError(404, "No such user");
        const room = await ctx.rooms.openPrivate(user.id, other);
        if (!room) throw new HttpError(404, "No such user");
        return reply.code(201).send(room);
      },
    );

    app.get(
      "/room/:id/messages",
      { schema: { params: RoomParams, querystring: MessagesQuery, response: { 200: z.array(ChatMessage) } } },
      async (request) => {
        const user = currentUser(request);
        const roomId = request.params.id;
        if (!(await ctx.rooms.isMember(user.id, roomId))) throw new HttpError(await ctx.rooms.refusalStatus(roomId), "You are not a member of this room");
        const query = request.query;
        if (query.around !== undefined) {
          const page = await ctx.messages.around(roomId, query.around, query.size);
          if (!page) throw new HttpError(404, "No such message in this room");
          return page;
        }
        return query.after !== undefined
          ? ctx.messages.after(roomId, query.after, query.size)
          : ctx.messages.page(roomId, query.offset, query.size);
      },
    );
  };
  return plugin;
}
