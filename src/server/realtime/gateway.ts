import type { Server, Socket } from "socket.io";
import {
  HandshakeAuth,
  JoinRoom,
  parsePrivateRoomId,
  SendMessage,
  type ClientToServerEvents,
  type MessageAck,
  type ServerToClientEvents,
  type SessionUser,
} from "../../protocol/index.js";
import type { ChatContext } from "../context.js";
import { describeZodError } from "../http/errors.js";
import { sessionIdFromCookieHeader } from "../http/session-plugin.js";
import { isRedisUnavailable } from "../redis/connection.js";
import type { PubSubBridge } from "./bridge.js";
import type { LocalDelivery } from "./delivery.js";
import { GENERAL_SOCKET_ROOMS, socketRooms, type DeliveryMode } from "./socket-rooms.js";
import { coalesceWrites } from "./write-coalescing.js";

interface SocketData {
  user: SessionUser;
  mode: DeliveryMode;
}
export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const UNAVAILABLE = "The database is unavailable; please try again shortly.";

/**
 * The Socket.IO gateway: authenticates the handshake by the session cookie, joins a socket to its
 * user's rooms, keeps presence, and turns `message` / `room.join` requests into domain calls.
 */
export class SocketGateway {
  constructor(
    private readonly io: ChatServer,
    private readonly ctx: ChatContext,
    private readonly delivery: LocalDelivery,
    private readonly bridge: PubSubBridge,
  ) {}

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

    socket.on("message", (payload, ack) => {
      void this.onMessage(socket, payload).then((answer) => typeof ack === "function" && ack(answer));
    });
    socket.on("room.join", (payload, ack) => {
      void this.onJoin(socket, payload).then((answer) => typeof ack === "function" && ack(answer));
    });
    socket.on("disconnect", () => this.onDisconnect(socket));
  }

  private async onMessage(socket: ChatSocket, payload: unknown): Promise<MessageAck> {
    const parsed = SendMessage.safeParse(payload);
    if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
    const { roomId, message: text, clientId } = parsed.data;
    const user = socket.data.user;
    try {
      if (!(await this.ctx.rooms.isMember(user.id, roomId))) {
        return { ok: false, error: "You are not a member of this room" };
      }
      const { config } = this.ctx;
      const room = await this.ctx.rooms.privateSummary(roomId);
      const result = await this.ctx.messages.store({
        roomId,
        from: user.id,
        text,
        clientId,
        serverId: config.serverId,
        rateLimit: config.messageRateLimit,
        rateWindowMs: config.messageRateWindowMs,
        showRoom: room,
      });
      if (result.status === "rate-limited") {
        return { ok: false, error: `Too many messages; try again in ${Math.ceil(result.retryAfterMs / 1000)} s` };
      }
      if (result.status === "stored") {
        // Synchronously, in stored order: the other member learns of a new room before its first
        // message, as other instances do (the store script published show.room first).
        const opened = result.firstInRoom && room;
        if (opened) this.delivery.showRoom(room, parsePrivateRoomId(roomId)!.filter((id) => id !== user.id));
        this.delivery.message(result.message);
        if (opened) await this.ctx.rooms.addPrivateMembers(roomId);
      }
      return { ok: true, message: result.message };
    } catch (err) {
      return { ok: false, error: this.describeFailure(err, "message") };
    }
  }

  private async onJoin(socket: ChatSocket, payload: unknown) {
    const parsed = JoinRoom.safeParse(payload);
    if (!parsed.success) return { ok: false as const, error: describeZodError(parsed.error) };
    const roomId = parsed.data;
    try {
      if (!(await this.ctx.rooms.isMember(socket.data.user.id, roomId))) {
        return { ok: false as const, error: "You are not a member of this room" };
      }
      // Private rooms need no join: they are delivered to their members' own socket rooms.
      if (!parsePrivateRoomId(roomId)) await socket.join(socketRooms.room(socket.data.mode, roomId));
      return { ok: true as const, roomId };
    } catch (err) {
      return { ok: false as const, error: this.describeFailure(err, "room.join") };
    }
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

  private describeFailure(err: unknown, what: string): string {
    if (isRedisUnavailable(err)) return UNAVAILABLE;
    this.ctx.log.error({ err }, `socket ${what} failed`);
    return "Internal server error";
  }
}
