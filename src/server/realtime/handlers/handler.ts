import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents, SessionUser } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { noteRedisTrouble } from "../../redis/trouble.js";
import type { PubSubBridge } from "../bridge.js";
import type { BusInterest } from "../bus/interest.js";
import type { LocalDelivery } from "../delivery.js";
import type { DeliveryMode } from "../socket-rooms.js";

export interface SocketData {
  user: SessionUser;
  mode: DeliveryMode;
  /** The session this socket was opened with, and its handle (see sessions-index.ts). */
  sessionId: string;
  sessionHandle: string;
  /** The user's room ids as read when the socket connected (sharded bus only; saves a second read). */
  roomIds?: string[];
  /**
   * Set during the handshake, cleared once joined (gateway.ts): the named rooms' socket rooms,
   * the user's membership-change mark when they were read, and when (ms).
   */
  joining?: { named: string[]; mark: string; startedAt: number } | undefined;
}
export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** What every group of socket event handlers may use. */
export interface HandlerDeps {
  ctx: ChatContext;
  delivery: LocalDelivery;
  bridge: PubSubBridge;
  /** The sharded bus's subscriptions (realtime/bus): awaited before a join is acknowledged. */
  bus?: BusInterest;
}

/**
 * One group of socket events (messages, rooms, ...), registered on each new connection like a
 * plugin: it adds its listeners to the socket and nothing else.
 */
export type SocketHandlers = (socket: ChatSocket, deps: HandlerDeps) => void;

export const UNAVAILABLE = "The database is unavailable; please try again shortly.";

type AckAnswer = { ok: true } | { ok: false; error: string };

/**
 * Listens for `event` and answers its acknowledgement (when the client asked for one) with what
 * `handle` returns. A thrown error becomes `{ok: false, error}`: the Redis-unavailable sentence, or
 * a generic one with the details logged. Never rejects.
 */
export function onRequest<A extends AckAnswer>(
  socket: ChatSocket,
  deps: HandlerDeps,
  event: string,
  handle: (payload: unknown) => Promise<A>,
): void {
  // Socket.IO's typed `on` cannot be narrowed by a string variable; the events are declared in
  // ClientToServerEvents and every payload is validated by `handle`.
  (socket as unknown as Socket).on(event, (payload: unknown, ack?: unknown) => {
    void handle(payload)
      .catch((err: unknown): AckAnswer => ({ ok: false, error: describeFailure(deps.ctx, err, event) }))
      .then((answer) => typeof ack === "function" && ack(answer));
  });
}

/** A sentence for the client; internals go to the log. */
export function describeFailure(ctx: ChatContext, err: unknown, what: string): string {
  if (noteRedisTrouble(ctx.log, err, `socket ${what}`)) return UNAVAILABLE;
  ctx.log.error({ err }, `socket ${what} failed`);
  return "Internal server error";
}
