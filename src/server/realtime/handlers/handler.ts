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
  /** The session this socket was opened with (its handle, see sessions-index.ts, is derived when needed). */
  sessionId: string;
  /** The user's room ids as read when the socket connected (sharded bus only; saves a second read). */
  roomIds?: string[];
  /**
   * Set during the handshake, cleared once joined (gateway.ts): the named rooms' socket rooms,
   * the user's membership-change mark when they were read, and when (ms).
   */
  joining?: { named: string[]; mark: string; startedAt: number } | undefined;
  /** Set once the sharded bus holds this user's channels for this socket (released on disconnect). */
  busHeld?: boolean;
  /** During the handshake only: lets the bus hold go if the connection closes before it is accepted. */
  releaseBus?: (() => void) | undefined;
  /** `typing`: roomId -> when this socket's last typing event in it was forwarded (ms); made on the first. */
  typedAt?: Map<string, number>;
  /** Past its event budget: nothing more it sends is handled. */
  overBudget?: boolean;
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

export const UNAVAILABLE = "The database is unavailable; please try again shortly.";

export type AckAnswer = { ok: true } | { ok: false; error: string };

/**
 * One socket event's handler: what it answers the client's acknowledgement with. Shared by every
 * socket (an idle connection costs no listener of its own); per-socket state lives in
 * `socket.data`, made when first needed.
 */
export type EventHandler = (socket: ChatSocket, payload: unknown, deps: HandlerDeps) => Promise<AckAnswer>;

/** One group of socket events (messages, rooms, ...), each in its own file: event name -> handler. */
export type SocketHandlers = Readonly<Record<string, EventHandler>>;

/**
 * Runs `handle` for one event and answers its acknowledgement (when the client asked for one)
 * with what it returns. A thrown error becomes `{ok: false, error}`: the Redis-unavailable
 * sentence, or a generic one with the details logged. Never rejects.
 */
export function answer(socket: ChatSocket, deps: HandlerDeps, event: string, handle: EventHandler, payload: unknown, ack: unknown): void {
  void handle(socket, payload, deps)
    .catch((err: unknown): AckAnswer => ({ ok: false, error: describeFailure(deps.ctx, err, event) }))
    .then((reply) => typeof ack === "function" && ack(reply));
}

/** A sentence for the client; internals go to the log. */
export function describeFailure(ctx: ChatContext, err: unknown, what: string): string {
  if (noteRedisTrouble(ctx.log, err, `socket ${what}`)) return UNAVAILABLE;
  ctx.log.error({ err }, `socket ${what} failed`);
  return "Internal server error";
}
