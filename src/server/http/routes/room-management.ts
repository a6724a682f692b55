import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { CreateRoomBody, DirectoryQuery, DirectoryRoom, NEXT_CURSOR_HEADER, MarkReadBody, OkAnswer, ReadState, RoomDetails, RoomMemberParams, RoomParams, UpdateRoomBody } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { currentUser } from "./auth.js";

/**
 * Rooms people make (issue 9): create, the directory, details, settings, delete, join, leave,
 * members, read state. Permissions and live updates live in the domain (RoomManagement); refusals
 * leave as `{message}` with 400 / 403 / 404.
 */
export function roomManagementRoutes(ctx: ChatContext) {
  const rooms = ctx.roomManagement;
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.post("/rooms", { schema: { body: CreateRoomBody, response: { 200: RoomDetails, 201: RoomDetails } } }, async (request, reply) => {
      const { created, room } = await rooms.create(currentUser(request), request.body);
      return reply.code(created ? 201 : 200).send(room);
    });

    app.get("/rooms", { schema: { querystring: DirectoryQuery, response: { 200: z.array(DirectoryRoom) } } }, async (request, reply) => {
      const page = await rooms.directory(currentUser(request), request.query);
      if (page.nextCursor) reply.header(NEXT_CURSOR_HEADER, page.nextCursor);
      return page.rooms;
    });

    app.get("/room/:id", { schema: { params: RoomParams, response: { 200: RoomDetails } } }, async (request) => rooms.details(currentUser(request), request.params.id));

    app.patch("/room/:id", { schema: { params: RoomParams, body: UpdateRoomBody, response: { 200: RoomDetails } } }, async (request) =>
      rooms.update(currentUser(request), request.params.id, request.body),
    );

    app.delete("/room/:id", { schema: { params: RoomParams, response: { 200: OkAnswer } } }, async (request) => {
      await rooms.delete(currentUser(request), request.params.id);
      return { ok: true as const };
    });

    app.post("/room/:id/join", { schema: { params: RoomParams, response: { 200: RoomDetails } } }, async (request) => rooms.join(currentUser(request), request.params.id));

    app.post("/room/:id/leave", { schema: { params: RoomParams, response: { 200: OkAnswer } } }, async (request) => {
      await rooms.leave(currentUser(request), request.params.id);
      return { ok: true as const };
    });

    app.put("/room/:id/members/:userId", { schema: { params: RoomMemberParams, response: { 200: RoomDetails } } }, async (request) =>
      rooms.addMember(currentUser(request), request.params.id, request.params.userId),
    );

    app.delete("/room/:id/members/:userId", { schema: { params: RoomMemberParams, response: { 200: OkAnswer } } }, async (request) => {
      await rooms.removeMemberBy(currentUser(request), request.params.id, request.params.userId);
      return { ok: true as const };
    });

    app.put("/room/:id/read", { schema: { params: RoomParams, body: MarkReadBody, response: { 200: ReadState } } }, async (request) =>
      rooms.markRead(currentUser(request), request.params.id, request.body.messageId),
    );
  };
  return plugin;
}
