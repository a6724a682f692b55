import fastifyCookie from "@fastify/cookie";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import type { Config } from "./config.js";
import type { ChatContext } from "./context.js";
import { createDemoDataIfEmpty } from "./domain/demo-data.js";
import { Messages } from "./domain/messages.js";
import { MessageActions } from "./domain/messages/actions.js";
import { Mentions } from "./domain/messages/mentions.js";
import { PushNotifier } from "./domain/notifications/push-notifier.js";
import { loadVapidKeys } from "./domain/notifications/vapid.js";
import { Presence } from "./domain/presence.js";
import { LoginLimits, UserBudget } from "./domain/rate-limits.js";
import { createCommunityServices } from "./domain/community.js";
import { Sessions, whySessionGone } from "./domain/sessions.js";
import { sharedSessionSecret } from "./domain/session-secret.js";
import { Users } from "./domain/users.js";
import { Roles } from "./domain/users/role.js";
import { Bots } from "./domain/users/bot.js";
import { botRoutes } from "./http/routes/bots.js";
import { postMessageRoutes } from "./http/routes/post-message.js";
import { Webhooks } from "./integrations/webhooks.js";
import { LinkPreviewer } from "./integrations/link-previews/link-previewer.js";
import { linkPreviewRoutes } from "./http/routes/link-previews.js";
import { registerOpenApi, responseSerializerCompiler } from "./http/openapi.js";
import { NameIndexSync } from "./domain/users/name-index-sync.js";
import { registerErrorHandling, zodValidatorCompiler } from "./http/errors.js";
import { closeWhenIdle } from "./http/closing.js";
import { requestLogOptions } from "./http/request-log.js";
import { acceptEmptyJsonBodies } from "./http/empty-bodies.js";
import { authRoutes } from "./http/routes/auth.js";
import { notificationRoutes } from "./http/routes/notifications.js";
import { roomRoutes } from "./http/routes/rooms.js";
import { messageActionRoutes } from "./http/routes/message-actions.js";
import { serviceRoutes } from "./http/routes/service.js";
import { inviteRoutes } from "./http/routes/invites.js";
import { moderationRoutes } from "./http/routes/moderation.js";
import { roomManagementRoutes } from "./http/routes/room-management.js";
import { sessionRoutes } from "./http/routes/sessions.js";
import { userRoutes } from "./http/routes/users.js";
import { accountRoutes } from "./http/routes/accounts.js";
import { placeRoutes } from "./http/routes/place.js";
import { Passwords } from "./domain/users/passwords.js";
import { Directory } from "./domain/users/directory.js";
import { AccountChanges } from "./domain/users/account-changes.js";
import { attachAccountSync } from "./realtime/account-sync.js";
import { registerSecurityHeaders } from "./http/security-headers.js";
import { registerOriginGuard } from "./http/origin-guard.js";
import { registerSessions } from "./http/session-plugin.js";
import { OpenStreams } from "./http/open-streams.js";
import { registerStaticClient } from "./http/static-client.js";
import { createLogger, type Logger } from "./logger.js";
import { connectRedis, redisClientName, type RedisConnections } from "./redis/connection.js";
import { PubSubBridge } from "./realtime/bridge.js";
import { createShardedBus } from "./realtime/bus/sharded-bus.js";
import { defaultPubSubMode } from "./redis/bus.js";
import { LocalDelivery } from "./realtime/delivery.js";
import { SocketGateway, type ChatServer } from "./realtime/gateway.js";
import { Liveness } from "./realtime/liveness.js";
import { attachRoomSync } from "./realtime/room-sync.js";
import { MembershipChanges } from "./realtime/socket-rooms.js";
import { startCommunity } from "./start-community.js";
import { directoryActivity } from "./domain/rooms/directory-activity.js";
import { Redis7SearchIndex } from "./domain/search/redis7.js";
import { MessageSearch } from "./domain/search/search.js";
import { SearchSweep } from "./domain/search/sweep.js";
import { searchRoutes } from "./http/routes/search.js";
import { pinRoutes } from "./http/routes/pins.js";
import { Pins } from "./domain/messages/pins.js";
import { SavedMessages } from "./domain/users/saved.js";
import { attachPinSync } from "./realtime/pin-sync.js";
import { originCheck } from "./realtime/origin-check.js";
import { ChatMetrics } from "./observability/metrics.js";
import { registerMetricsRoute, startMetricsServer } from "./observability/metrics-endpoint.js";
import { readinessRoutes } from "./http/routes/readiness.js";
import { keys } from "./redis/keys.js";
import type { Server as HttpServer } from "node:http";
import { foreignPresenceHooks } from "./realtime/seed-interop.js";
import { Attachments } from "./domain/attachments/attachments.js";
import { createScanner } from "./domain/attachments/scan.js";
import { createBlobStore } from "./domain/attachments/store/index.js";
import { attachmentRoutes } from "./http/routes/attachments.js";
import { avatarRoutes } from "./http/routes/avatars.js";
import { Avatars } from "./domain/users/avatars.js";

const DEFAULT_CLIENT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "client");

export interface ChatServerInstance {
  app: FastifyInstance;
  io: ChatServer;
  ctx: ChatContext;
  /** Link previews of this instance (integrations/link-previews/). */
  linkPreviewer: LinkPreviewer;
  /** Listens on the configured host and port; resolves to the base URL. */
  listen(): Promise<string>;
  /**
   * Graceful exit (SIGTERM): stops being ready at once, refuses new sockets, tells the open ones to
   * reconnect (to another instance; they catch up with `?after=`) spread over half of `timeoutMs`,
   * then closes. Resolves when closed.
   */
  drain(timeoutMs: number): Promise<void>;
  /** True from the start of drain(). */
  readonly draining: boolean;
  close(): Promise<void>;
}

/**
 * Wires one instance: Redis connections, domain services, then the transports on top (HTTP
 * routes, Socket.IO gateway, pub/sub bridge) and the upkeep loop.
 */
export async function createChatServer(config: Config, log: Logger = createLogger(config.logLevel)): Promise<ChatServerInstance> {
  const clientName = redisClientName(config.serverId);
  const connections: RedisConnections = await connectRedis(config.redisUrl, log, config.redisClusterNodes, {
    clientName,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    durableAckTimeoutMs: config.durableAcks === "replica" ? config.durableAckTimeoutMs : undefined,
  });
  const redis = connections.data;
  // Without SESSION_SECRET, the one kept in Redis: sessions survive restarts and every instance
  // on this Redis accepts the others' cookies.
  if (config.sessionSecretGenerated) config = { ...config, sessionSecret: await sharedSessionSecret(redis) };
  const users = new Users(redis);
  const roles = new Roles(redis);
  const searchIndex = new Redis7SearchIndex(redis, config.search, Boolean(config.redisClusterNodes?.length));
  const community = createCommunityServices(redis, users, roles, config, searchIndex);
  // The seed's Rooms with the member cache of rooms people make plugged in (issue 9).
  const rooms = community.rooms;
  const pubsubMode = config.pubsubMode ?? defaultPubSubMode(Boolean(config.redisClusterNodes?.length));
  const messages = new Messages(redis, Boolean(config.redisClusterNodes?.length), connections.durable, pubsubMode, searchIndex);
  const mentions = new Mentions(users, rooms);
  const metrics = new ChatMetrics();
  metrics.traceRedis();
  const sessions = new Sessions(redis, config.sessionTtlSeconds, config.serverId, pubsubMode);
  // One store for files and profile pictures.
  const blobStore = await createBlobStore(config.attachments);
  const vapid = await loadVapidKeys(redis, config);
  if (vapid.source === "generated") log.info("generated VAPID keys for Web Push (stored in Redis)");
  const ctx: ChatContext = {
    ...community,
    config,
    log,
    redis,
    users,
    roles,
    bots: new Bots(redis, users, roles),
    rooms,
    messages,
    sessions,
    passwords: new Passwords(redis, sessions),
    directory: new Directory(redis, users, community.profiles),
    accountChanges: new AccountChanges(),
    presence: new Presence(redis, config.serverId, config.presenceTtlMs),
    loginLimits: new LoginLimits(redis, {
      perNameAndAddress: config.loginRateLimit,
      perAddress: config.loginRateLimitPerAddress,
      windowMs: config.loginRateWindowMs,
      addressBlockMs: config.loginAddressBlockMs,
    }),
    metrics,
    messageListeners: [],
    mentions,
    messageActions: new MessageActions(redis, messages, rooms, roles, mentions, new UserBudget(redis, "message-actions", {
      points: config.messageActionRateLimit,
      windowMs: config.messageActionRateWindowMs,
    }), searchIndex),
    search: new MessageSearch(redis, searchIndex, rooms, users, community.namedRooms),
    searchSweep: new SearchSweep(redis, searchIndex, config.serverId, log, Boolean(config.redisClusterNodes?.length)),
    pins: new Pins(redis, messages, rooms, roles, community.namedRooms),
    saved: new SavedMessages(redis, messages, rooms),
    nameIndex: new NameIndexSync(redis, users),
    notifications: new PushNotifier(redis, rooms, users, community.bans, vapid, log, {
      queueSize: config.pushQueueSize,
      concurrency: config.pushConcurrency,
      timeoutMs: config.pushTimeoutMs,
      allowPrivate: config.allowPrivateNetworkFetch || config.pushAllowLocalEndpoints,
      namedRoomDefault: () => community.placeSettings.cached.defaultNotificationLevel,
    }),
    attachments: new Attachments(
      redis, blobStore, config.attachments, community.audit, log, createScanner(config.attachments),
    ),
    avatars: new Avatars(redis, blobStore, config.attachments.maxPixels),
  };
  // Files go with their message and with their room.
  const deleteFiles = (what: string, work: () => Promise<void>) => work().catch((err: unknown) => log.warn({ err }, `deleting the files of a ${what} failed`));
  ctx.messageActions.deletedListeners.push((message) => deleteFiles("message", () => ctx.attachments.deleteOf(message)));
  ctx.roomManagement.deletedListeners.push((roomId) => deleteFiles("room", () => ctx.attachments.deleteRoom(roomId)));

  if (config.demoData && (await createDemoDataIfEmpty(redis, users, ctx.rooms))) log.info("demo data created");
  else await ctx.rooms.ensureGeneral();
  const sessionsIndexed = await ctx.sessions.indexExisting();
  if (sessionsIndexed > 0) log.info({ sessionsIndexed }, "indexed the sessions created before the per-user index");
  const roomNamesClaimed = await community.namedRooms.claimOpenNames();
  if (roomNamesClaimed > 0) log.info({ roomNamesClaimed }, "open rooms claimed their names");
  const indexed = await users.indexMissingNames();
  if (indexed > 0) log.info({ indexed }, "added users to the name index");
  await ctx.nameIndex.start();
  await startCommunity(ctx).catch(async (err: unknown) => {
    await connections.close();
    throw err;
  });

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    ...requestLogOptions(),
    trustProxy: config.trustProxy,
    forceCloseConnections: true,
    bodyLimit: 1024 * 1024,
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  acceptEmptyJsonBodies(app);
  // Responses are checked against the route's zod schema (a mismatch is a 500, never a silent drift).
  app.setSerializerCompiler(responseSerializerCompiler);
  await registerOpenApi(app, "0.1.0");
  registerErrorHandling(app);
  await registerSecurityHeaders(app, { https: config.cookieSecure });
  await app.register(fastifyCookie, { secret: config.sessionSecret });
  await registerOriginGuard(app, { allowedOrigins: config.allowedOrigins });

  // The realtime side exists before the routes, so that HTTP can deliver what it stores.
  const io: ChatServer = new Server(app.server, {
    allowEIO3: true,
    transports: config.websocketOnly ? ["websocket"] : ["polling", "websocket"],
    maxHttpBufferSize: 2 * 1024 * 1024,
    serveClient: false,
    allowRequest: originCheck({ allowedOrigins: config.allowedOrigins, trustProxy: config.trustProxy }),
  });
  const delivery = new LocalDelivery(io, config.deliveryFlushMs, config.presenceFlushMs, metrics);
  const bridge = new PubSubBridge(redis, connections.subscriber, config.serverId, delivery, log, metrics, connections.nodeFailures, pubsubMode);
  const bus = createShardedBus({
    mode: pubsubMode, redis, subscriber: connections.shardedSubscriber, serverId: config.serverId,
    releaseDelayMs: config.busReleaseDelayMs, clientName, bridge, delivery, messages, log, metrics,
  });
  let draining = false;
  metrics.sources.sockets = () => {
    const rooms = io.of("/").adapter.rooms;
    return { seed: rooms.get("seed:all")?.size ?? 0, batch: rooms.get("batch:all")?.size ?? 0 };
  };
  metrics.sources.usersOnline = () => redis.sCard(keys.onlineUsers);
  registerMetricsRoute(app, metrics, config.metricsToken);
  const webhooks = new Webhooks(ctx, delivery);
  ctx.messageListeners.push(webhooks.onMessageStored);
  ctx.messageListeners.push(directoryActivity(ctx.namedRooms, (err) => log.debug({ err: String(err) }, "directory activity not recorded")));
  await ctx.bots.watch(connections.subscriber);
  // A push subscription lives as long as the session that registered it.
  ctx.sessions.onEnded((ended) => ctx.notifications.subscriptions.removeForSessions(ended.userId, ended.sessions));
  const linkPreviewer = new LinkPreviewer(ctx, {
    enabled: config.linkPreviews,
    timeoutMs: config.linkPreviewTimeoutMs,
    maxBytes: config.linkPreviewMaxBytes,
    allowPrivate: config.allowPrivateNetworkFetch,
  });
  ctx.messageListeners.push(linkPreviewer.onMessageStored);
  ctx.messageActions.deletedListeners.push(linkPreviewer.messageDeleted);
  await app.register(readinessRoutes({ redis, pubsubLive: () => bridge.live, draining: () => draining }));

  // Each /stream is closed with the session that opened it, as its sockets are.
  const openStreams = new OpenStreams();
  ctx.sessions.onEnded((ended) => openStreams.closeSessions(ended));
  bridge.sessionEndedListeners.push((ended) => openStreams.closeSessions(ended));
  await app.register(async (api) => {
    await registerSessions(api, {
      sessions: ctx.sessions,
      secure: config.cookieSecure,
      ttlSeconds: config.sessionTtlSeconds,
      bearer: (token) => ctx.bots.authenticate(token),
      isBanned: (userId) => ctx.bans.isBanned(userId),
      whyGone: (sessionId) => whySessionGone(ctx, sessionId),
    });
    await api.register(authRoutes(ctx));
    await api.register(userRoutes(ctx));
    await api.register(roomRoutes(ctx));
    await api.register(messageActionRoutes(ctx));
    await api.register(serviceRoutes(ctx, openStreams));
    await api.register(roomManagementRoutes(ctx));
    await api.register(moderationRoutes(ctx));
    await api.register(inviteRoutes(ctx));
    await api.register(sessionRoutes(ctx));
    await api.register(notificationRoutes(ctx));
    await api.register(botRoutes(ctx));
    await api.register(postMessageRoutes(ctx, delivery));
    await api.register(linkPreviewRoutes(ctx));
    await api.register(searchRoutes(ctx));
    await api.register(pinRoutes(ctx));
    await api.register(placeRoutes(ctx));
    await api.register(accountRoutes(ctx));
    await api.register(attachmentRoutes(ctx));
    await api.register(avatarRoutes(ctx));
  });
  await registerStaticClient(app, config.clientDir ?? DEFAULT_CLIENT_DIR);

  const membershipChanges = new MembershipChanges();
  const gateway = new SocketGateway(io, ctx, delivery, bridge, membershipChanges, bus);
  // A draining instance takes no new sockets: the client retries, and lands on another instance.
  io.use((_socket, next) => (draining ? next(new Error("server shutting down; reconnect")) : next()));
  gateway.attach();
  attachRoomSync(io, ctx, bridge, bus, membershipChanges);
  attachPinSync(ctx, bridge, delivery);
  attachAccountSync(io, ctx, bridge);
  bridge.setPresenceHooks(foreignPresenceHooks(ctx, gateway));
  await bridge.start();
  await bus.start();
  const liveness = new Liveness(io, ctx, gateway);

  let closed = false;
  let metricsServer: HttpServer | undefined;
  const instance: ChatServerInstance = {
    app,
    io,
    ctx,
    linkPreviewer,
    get draining() {
      return draining;
    },
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      if (config.metricsPort) metricsServer = await startMetricsServer(metrics, config.metricsPort, config.metricsHost);
      await liveness.start();
      await webhooks.start();
      ctx.searchSweep.start(config.searchSweepMs);
      ctx.attachments.startSweeping();
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
      log.info({ serverId: config.serverId, port }, "redis-chat is listening");
      return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    },
    async drain(timeoutMs) {
      if (draining || closed) return;
      draining = true;
      const sockets = [...io.of("/").sockets.values()];
      log.info({ sockets: sockets.length, timeoutMs }, "draining: sockets are told to reconnect elsewhere");
      // In slices, so that the clients do not all reconnect (and catch up) in the same instant.
      const spreadMs = timeoutMs / 2;
      const slices = Math.max(1, Math.min(sockets.length, Math.floor(spreadMs / 100)));
      const perSlice = Math.ceil(sockets.length / slices);
      for (let i = 0; i < sockets.length; i += perSlice) {
        for (const socket of sockets.slice(i, i + perSlice)) socket.disconnect(true);
        if (i + perSlice < sockets.length) await new Promise((r) => setTimeout(r, spreadMs / slices));
      }
      await instance.close();
    },
    async close() {
      if (closed) return;
      closed = true;
      draining = true;
      metrics.stop();
      metricsServer?.closeAllConnections();
      metricsServer?.close();
      liveness.stop();
      ctx.bots.stop();
      await webhooks.stop();
      await linkPreviewer.close();
      await ctx.searchSweep.stop();
      ctx.attachments.stop();
      delivery.flush();
      openStreams.closeAll();
      // Count this instance's connections out in one step, then let the sockets go.
      await liveness.sweep(true).catch(() => {});
      io.removeAllListeners("connection");
      for (const socket of io.of("/").sockets.values()) socket.removeAllListeners("disconnect");
      io.disconnectSockets(true);
      await bridge.stop();
      await bus.stop();
      await ctx.notifications.close();
      // Socket.IO's close closes the HTTP server too; its connections are closed once idle (see
      // closeWhenIdle), and Fastify's close cuts any still busy after the grace (forceCloseConnections).
      const httpClosed = new Promise<void>((resolve) => io.close(() => resolve()));
      await closeWhenIdle(app.server, httpClosed);
      await app.close().catch(() => {});
      await httpClosed;
      await connections.close();
    },
  };
  return instance;
}
