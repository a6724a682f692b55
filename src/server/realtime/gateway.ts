import { HandshakeAuth, type SessionUser } from "../../protocol/index.js";
import type { ChatContext } from "../context.js";
import { sessionIdFromCookieHeader } from "../http/session-plugin.js";
import { isRedisUnavailable } from "../redis/connection.js";
import type { PubSubBridge } from "./bridge.js";
import type { LocalDelivery } from "./delivery.js";
import { UNAVAILABLE, type ChatServer, type ChatSocket, type HandlerDeps, type SocketHandlers } from "./handlers/handler.js";
import { messageHandlers } from "./handlers/messages.js";
import { roomHandlers } from "./handlers/rooms.js";
import { messageActionHandlers } from "./handlers/message-actions.js";
import { reactionHandlers } from "./handlers/reactions.js";
import { typingHandlers } from "./handlers/typing.js";
import { GENERAL_SOCKET_ROOMS, socketRooms } from "./socket-rooms.js";
import { coalesceWrites } from "./write-coalescing.js";

export type { ChatServer, ChatSocket } from "./handlers/handler.js";

/** Every group of socket events, each in its own file under handlers/. */
const HANDLERS: SocketHandlers[] = [
  messageHandlers,
  roomHandlers,
  messageActionHandlers,
  reactionHandlers,
  typingHandlers,
];

/**
 * The Socket.IO gateway: authenticates the handshake by the session cookie, joins a socket to its
 * user's rooms, keeps presence, and registers the event handler groups on each connection.
 */
export class SocketGateway {
  private readonly deps: HandlerDeps;

  constructor(
    private readonly io: ChatServer,
    private readonly ctx: ChatContext,
    private readonly delivery: LocalDelivery,
    private readonly bridge: PubSubBridge,
  ) {
    this.deps = { ctx, delivery, bridge };
  }

  attach(): void {
    this.io.use(async (socket, next) => {
      try {
        const sessionId = sessionIdFromCookieHeader(socket.handshake.headers.cookie, this.ctx.config.sessionSecret);
        const user = sessionId ? await this.ctx.sessions.get(sessionId) : undefined;
        if (!user) return next(new Error("unauthorized: sign in first"));
        const auth = HandshakeAuth.safeParse(socket.handshake.auth ?? {});
        socket.data.user = user;
        socket.data.mode = auth.success && auth.data.batch ? "batch" : "seed";
        next();
      } catch (err) {
        next(new Error(isRedisUnavailable(err) ? UNAVAILABLE : "connection refused"));
      }
    });
    this.io.on("connection", (socket) => this.onConnection(socket));
  }

  private onConnection(socket: ChatSocket): void {
    const { user, mode } = socket.data;
    // Batch-mode sockets get one frame per room per window already; seed-mode sockets get one
    // event per message and per presence change, so their writes are coalesced per turn instead.
    if (mode === "seed") coalesceWrites(socket.conn);
    // General and private rooms need no lookup: everyone is in General, and a private room is
    // delivered to its two members' own socket rooms. Any other named room is joined on `room.join`
    // (the seed's client sends one for each of its rooms).
    socket.join([...GENERAL_SOCKET_ROOMS(mode), socketRooms.user(mode, user.id)]);
    this.ctx.presence.connect(user.id).then(
      (cameOnline) => cameOnline && this.announcePresence(user, true),
      (err) => this.ctx.log.warn({ err: String(err), userId: user.id }, "could not record presence; will reconcile"),
    );
    for (const register of HANDLERS) register(socket, this.deps);
    socket.on("disconnect", () => this.onDisconnect(socket));
  }

  private onDisconnect(socket: ChatSocket): void {
    const user = socket.data.user;
    // A failed write leaves presence stale; Liveness rewrites this server's counts when Redis is back.
    this.ctx.presence.disconnect(user.id).then(
      (wentOffline) => wentOffline && this.announcePresence(user, false),
      (err) => this.ctx.log.warn({ err: String(err), userId: user.id }, "could not record a disconnect; will reconcile"),
    );
  }

  announcePresence(user: SessionUser, online: boolean): void {
    const event = { id: user.id, username: user.username, online };
    this.delivery.presence(event);
    this.bridge.publish(online ? "user.connected" : "user.disconnected", event).catch(() => {});
  }
}
