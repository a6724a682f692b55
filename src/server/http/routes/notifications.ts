import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  DeletePushSubscriptionBody, NamedRoomDefault, NamedRoomDefaultBody, NotificationLevelBody, NotificationLevels, PushKey, PushSubscriptionBody, RoomNotificationLevel, RoomParams,
} from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { checkPushEndpoint } from "../../domain/notifications/push-endpoint.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";

/** Decoded length of URL-safe base64 `value`. */
const decodedLength = (value: string) => Buffer.from(value, "base64url").length;

/**
 * Notifications: per-room levels (`/notifications`, `/room/:id/notifications`) and Web Push
 * (`/push/key`, `/push/subscriptions`). See docs/api.md.
 */
export function notificationRoutes(ctx: ChatContext) {
  const { notifications } = ctx;
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get("/push/key", { config: { public: true }, schema: { response: { 200: PushKey } } }, async (): Promise<PushKey> => ({ publicKey: notifications.publicKey }));

    app.post(
      "/push/subscriptions",
      { schema: { body: PushSubscriptionBody, response: { 201: z.object({ endpoint: z.string() }) } } },
      async (request, reply) => {
        const user = currentUser(request);
        const { endpoint, keys } = request.body;
        const problem = checkPushEndpoint(endpoint, ctx.config.pushAllowLocalEndpoints, ctx.config.pushAllowLocalEndpoints || ctx.config.allowPrivateNetworkFetch);
        if (problem) throw new HttpError(400, problem);
        // RFC 8291: p256dh is an uncompressed P-256 point (65 bytes), auth a 16-byte secret.
        if (decodedLength(keys.p256dh) !== 65) throw new HttpError(400, "keys.p256dh must be a P-256 public key");
        if (decodedLength(keys.auth) !== 16) throw new HttpError(400, "keys.auth must be 16 bytes");
        // A subscription belongs to the session that registers it (a bot's token has none).
        if (!request.sessionId) throw new HttpError(403, "Push subscriptions need a signed-in session");
        const outcome = await notifications.subscriptions.add(user.id, request.sessionId, { endpoint, keys });
        if (outcome === "held-by-another-user") throw new HttpError(409, "This push endpoint is registered to another account");
        return reply.code(201).send({ endpoint });
      },
    );

    app.delete(
      "/push/subscriptions",
      { schema: { body: DeletePushSubscriptionBody, response: { 200: z.object({ removed: z.boolean() }) } } },
      async (request) => {
        const user = currentUser(request);
        return { removed: await notifications.subscriptions.remove(user.id, request.body.endpoint) };
      },
    );

    app.get("/notifications", { schema: { response: { 200: NotificationLevels } } }, async (request): Promise<NotificationLevels> => {
      const user = currentUser(request);
      const [levels, namedDefault] = await Promise.all([notifications.levels.chosen(user.id), notifications.levels.namedDefault(user.id)]);
      return { levels, namedDefault };
    });

    /** The person's own default for named rooms they chose no level for (null: the place's again). */
    app.put(
      "/notifications/default",
      { schema: { body: NamedRoomDefaultBody, response: { 200: NamedRoomDefault } } },
      async (request): Promise<NamedRoomDefault> => {
        const user = currentUser(request);
        await notifications.levels.setNamedDefault(user.id, request.body.level);
        return notifications.levels.namedDefault(user.id);
      },
    );

    app.get(
      "/room/:id/notifications",
      { schema: { params: RoomParams, response: { 200: RoomNotificationLevel } } },
      async (request): Promise<RoomNotificationLevel> => {
        const user = currentUser(request);
        const roomId = request.params.id;
        if (!(await ctx.rooms.isMember(user.id, roomId))) throw new HttpError(await ctx.rooms.refusalStatus(roomId), "You are not a member of this room");
        return { roomId, ...(await notifications.levels.get(user.id, roomId, await notifications.kindOf(roomId))) };
      },
    );

    app.put(
      "/room/:id/notifications",
      { schema: { params: RoomParams, body: NotificationLevelBody, response: { 200: RoomNotificationLevel } } },
      async (request): Promise<RoomNotificationLevel> => {
        const user = currentUser(request);
        const roomId = request.params.id;
        if (!(await ctx.rooms.isMember(user.id, roomId))) throw new HttpError(await ctx.rooms.refusalStatus(roomId), "You are not a member of this room");
        await notifications.levels.set(user.id, roomId, request.body.level);
        return { roomId, level: request.body.level, chosen: true };
      },
    );
  };
  return plugin;
}
