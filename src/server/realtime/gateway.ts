import { BANNED_MESSAGE, HandshakeAuth, type SessionEnded, type SessionUser, type SignInFirst, type TooManyConnections } from "../../protocol/index.js";
import { closeSessionSockets } from "./session-sockets.js";
import { whySessionGone } from "../domain/sessions.js";
import type { ChatContext } from "../context.js";
import { sessionIdFromCookieHeader } from "../http/session-plugin.js";
import { isRedisUnavailable } from "../redis/connection.js";
import type { PubSubBridge } from "./bridge.js";
import type { BusInterest } from "./bus/interest.js";
import type { LocalDelivery } from "./delivery.js";
import { UNAVAILABLE, type ChatServer, type ChatSocket, type SocketHandlers } from "./handlers/handler.js";
import { messageHandlers } from "./handlers/messages.js";
import { roomHandlers } from "./handlers/rooms.js";
import { messageActionHandlers } from "./handlers/message-actions.js";
import { reactionHandlers } from "./handlers/reactions.js";
import { typingHandlers } from "./handlers/typing.js";
import { baseSocketRooms, namedSocketRoomsOf, type MemberRoomSource, type MembershipChanges } from "./socket-rooms.js";
import { RESYNC_MARGIN_MS } from "./subscription-recovery.js";
import { messageIdFromMicros } from "../domain/message-ids.js";
import { keys } from "../redis/keys.js";
import { coalesceWrites } from "./write-coalescing.js";
import { eventBudget } from "./event-budget.js";
import { SocketEvents } from "./socket-events.js";
import { releaseUpgradeRequest } from "./upgrade-request.js";

export type { ChatServer, ChatSocket } from "./handlers/handler.js";

/** What an accepted socket's `handshake.headers` become. */
const NO_HEADERS = Object.freeze({}) as ChatSocket["handshake"]["headers"];

/** Every group of socket events, each in its own file under handlers/. */
const HANDLERS: readonly SocketHandlers[] = [
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
  /** Every socket's events: one table for all (see socket-events.ts). */
  private readonly events: SocketEvents;
  /** The user's room ids (the seed's `user:{id}:rooms`) and the membership check (read from Redis). */
  private readonly memberRooms: MemberRoomSource;

  constructor(
    private readonly io: ChatServer,
    private readonly ctx: ChatContext,
    private readonly delivery: LocalDelivery,
    private readonly bridge: PubSubBridge,
    private readonly membershipChanges: MembershipChanges,
    private readonly bus?: BusInterest,
  ) {
    this.events = new SocketEvents(HANDLERS, { ctx, delivery, bridge, bus }, eventBudget(ctx.config, ctx.log));
    this.memberRooms = {
      roomIdsOf: (userId) => ctx.redis.sMembers(keys.userRooms(userId)),
      isMember: (userId, roomId) => ctx.rooms.isMember(userId, roomId),
    };
  }

  attach(): void {
    this.io.use(async (socket, next) => {
      try {
        const sessionId = sessionIdFromCookieHeader(socket.handshake.headers.cookie, this.ctx.config.sessionSecret);
        const user = sessionId ? await this.ctx.sessions.get(sessionId) : undefined;
        if (!user) return next(await this.signInFirst(sessionId));
        const { ahead, release } = this.reserveHandshake(user.id);
        // The ban and the connection cap in one round trip (both only read).
        const [banned, refusal] = await Promise.all([this.ctx.bans.isBanned(user.id), this.tooManyConnections(user.id, ahead)]).catch((err: unknown) => {
          release();
          throw err;
        });
        if (banned) {
          release();
          return next(new Error(BANNED_MESSAGE));
        }
        if (refusal) {
          release();
          return next(refusal);
        }
        // Socket.IO connects the socket on the next tick (counted by presence.connect from then
        // on), or drops it if the client went away; either way the reservation has done its job.
        setImmediate(release);
        const auth = HandshakeAuth.safeParse(socket.handshake.auth ?? {});
        socket.data.user = user;
        socket.data.sessionId = sessionId!;
        this.ctx.sessions.touch(sessionId!, user.id);
        socket.data.mode = auth.success && auth.data.batch ? "batch" : "seed";
        await this.subscribeBeforeAccepting(socket);
        await this.lookUpRooms(socket);
        next();
      } catch (err) {
        next(new Error(isRedisUnavailable(err) ? UNAVAILABLE : "connection refused"));
      }
    });
    this.io.on("connection", (socket) => this.onConnection(socket));
    // Ending a session closes its sockets: on this instance directly, on the others by envelope.
    const closeSockets = (ended: SessionEnded) => closeSessionSockets(this.io, ended);
    this.ctx.sessions.onEnded(closeSockets);
    this.bridge.sessionEndedListeners.push(closeSockets);
  }

  /**
   * The refusal of a handshake without a live session: when its cookie named a session that is
   * gone, it says why (a page that was offline when it was ended learns it on reconnecting).
   */
  private async signInFirst(sessionId: string | undefined): Promise<Error> {
    const data: SignInFirst = { reason: "sign-in-first" };
    if (sessionId) data.ended = await whySessionGone(this.ctx, sessionId);
    return Object.assign(new Error("unauthorized: sign in first"), { data });
  }

  /**
   * The sharded bus: this instance hears every room of the user before the client hears it is
   * connected (and starts its catch-up), so nothing published after that is missed. The hold ends
   * when the connection closes, accepted or not.
   */
  private async subscribeBeforeAccepting(socket: ChatSocket): Promise<void> {
    if (!this.bus?.enabled) return;
    const userId = socket.data.user.id;
    socket.data.roomIds = await this.bus.connect(userId);
    if (socket.conn.readyState !== "open") return this.bus.disconnect(userId);
    socket.data.busHeld = true;
    // Until the socket is connected, only the connection's close can end the hold (a refused or
    // abandoned handshake never emits `disconnect`); from then on, the shared disconnect listener.
    const release = () => this.bus!.disconnect(userId);
    socket.data.releaseBus = release;
    socket.conn.once("close", release);
  }

  private onConnection(socket: ChatSocket): void {
    const { user, mode, releaseBus } = socket.data;
    if (releaseBus) {
      socket.conn.off("close", releaseBus);
      socket.data.releaseBus = undefined;
    }
    // What an idle connection keeps: not its upgrade request (see upgrade-request.ts), nor its
    // headers (the cookie was read during the handshake; nothing reads them after it).
    releaseUpgradeRequest(socket.conn);
    socket.handshake.headers = NO_HEADERS;
    // Batch-mode sockets get one frame per room per window already; seed-mode sockets get one
    // event per message and per presence change, so their writes are coalesced per turn instead.
    if (mode === "seed") coalesceWrites(socket.conn);
    // Before anything else (the client has not yet heard it is connected, so has not started its
    // catch-up): every room of the user, looked up during the handshake.
    this.joinRooms(socket);
    this.ctx.presence.connect(user.id).then(
      (cameOnline) => cameOnline && this.announcePresence(user, true),
      (err) => this.ctx.log.warn({ err: String(err), userId: user.id }, "could not record presence; will reconcile"),
    );
    // Every event of every handler group passes the socket's event budget first.
    this.events.install(socket);
    socket.on("disconnect", this.onDisconnect);
  }

  /** During the handshake: the socket rooms its connection will join (see joinRooms). */
  private async lookUpRooms(socket: ChatSocket): Promise<void> {
    const { user, mode } = socket.data;
    const mark = this.membershipChanges.mark(user.id);
    const startedAt = Date.now();
    // The sharded bus read the user's room ids already (subscribeBeforeAccepting): use them once.
    const known = socket.data.roomIds;
    socket.data.roomIds = undefined;
    const source: MemberRoomSource = known ? { ...this.memberRooms, roomIdsOf: async () => known } : this.memberRooms;
    const named = await namedSocketRoomsOf(source, mode, user.id);
    socket.data.joining = { named, mark, startedAt };
  }

  /**
   * Joins the rooms looked up during the handshake, synchronously as the connection starts. When a
   * membership change of the user was applied meanwhile (it could not reach a socket not yet
   * connected), the lookup may be stale: then only General and the user's own room are joined at
   * once (nothing of a room just left can arrive), the named rooms are looked up again, and the
   * socket is told to catch up (`resync`) from before the first lookup, so nothing said in a room
   * just joined is missed either.
   */
  private joinRooms(socket: ChatSocket): void {
    const { user, mode, joining } = socket.data;
    socket.data.joining = undefined;
    if (!joining) return;
    if (this.membershipChanges.mark(user.id) === joining.mark) {
      socket.join([...baseSocketRooms(mode, user.id), ...joining.named]);
      return;
    }
    socket.join(baseSocketRooms(mode, user.id));
    namedSocketRoomsOf(this.memberRooms, mode, user.id).then(
      (rooms) => {
        if (socket.disconnected) return;
        socket.join(rooms);
        socket.emit("resync", { since: messageIdFromMicros((joining.startedAt - RESYNC_MARGIN_MS) * 1000) });
      },
      (err: unknown) => {
        this.ctx.log.warn({ err: String(err), userId: user.id }, "could not look up a socket's rooms again; disconnecting it so it reconnects");
        socket.disconnect();
      },
    );
  }

  /**
   * Handshakes of one user in progress on this instance. Each counts the ones that started before
   * it (`ahead`) with the open connections, so a burst of handshakes (each waiting on Redis at the
   * same time) cannot all pass the cap at once, and the first ones of a burst are the ones let in.
   */
  private readonly handshaking = new Map<number, number>();

  private reserveHandshake(userId: number): { ahead: number; release: () => void } {
    if (this.ctx.config.maxSocketsPerUser <= 0) return { ahead: 0, release: () => {} };
    const ahead = this.handshaking.get(userId) ?? 0;
    this.handshaking.set(userId, ahead + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.handshaking.get(userId) ?? 1) - 1;
      if (left > 0) this.handshaking.set(userId, left);
      else this.handshaking.delete(userId);
    };
    return { ahead, release };
  }

  /**
   * MAX_SOCKETS_PER_USER across instances: the refusal for one more connection, if any. Counts
   * the user's open connections everywhere (presence counts) and the `ahead` handshakes of theirs
   * that started earlier here. (Handshakes racing on several instances at once can pass by a few.)
   */
  private async tooManyConnections(userId: number, ahead: number): Promise<Error | undefined> {
    const limit = this.ctx.config.maxSocketsPerUser;
    if (limit <= 0) return undefined;
    const open = await this.ctx.presence.connectionCount(userId);
    if (open + ahead < limit) return undefined;
    const refusal = new Error(`too many connections: at most ${limit} open at once per user; close another tab or window`);
    const data: TooManyConnections = { reason: "too-many-connections", limit };
    return Object.assign(refusal, { data });
  }

  /**
   * One listener for every socket (Node calls it with the socket as `this`), rather than a closure
   * per connection.
   */
  private readonly onDisconnect = ((gateway: SocketGateway) =>
    function (this: ChatSocket) {
      gateway.disconnected(this);
    })(this);

  private disconnected(socket: ChatSocket): void {
    const user = socket.data.user;
    this.events.closed(socket);
    if (socket.data.busHeld) {
      socket.data.busHeld = false;
      this.bus!.disconnect(user.id);
    }
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
