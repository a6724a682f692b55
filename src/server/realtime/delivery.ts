import type { Server } from "socket.io";
import type { ChatMessage, PresenceUser, RoomSummary, ServerToClientEvents } from "../../protocol/index.js";
import type { ChatMetrics } from "../observability/metrics.js";
import { deliveryTargets, socketRooms, type DeliveryMode } from "./socket-rooms.js";

/** How long a delivered message's id is remembered (one generation; see deliveredLately). */
const RECENT_IDS_MS = 5000;

export type RoomEventName = "message.updated" | "message.deleted" | "reaction.updated" | "previews.updated" | "typing" | "pins.updated";

/**
 * Delivers events to this instance's sockets. Seed-mode sockets get each message at once, as the
 * seed sends them. Batch-mode sockets get, per room, every message of a short flush window in one
 * frame: at high fan-out the cost of a delivery is a WebSocket frame and a system call, so fewer,
 * larger frames is what makes it fast.
 *
 * Presence changes are coalesced per user over a window for everyone: a user who came and went
 * within it is not announced at all, and batch-mode sockets get the window's changes as one frame.
 * (Seed-mode sockets still get one `user.connected` / `user.disconnected` each: that is the seed's
 * protocol, and the one path whose cost grows with the number of seed sockets online.)
 */
export class LocalDelivery {
  private readonly pendingMessages = new Map<string, ChatMessage[]>();
  /** userId -> the first and the latest change of the current window. */
  private readonly pendingPresence = new Map<number, { first: boolean; latest: PresenceUser }>();
  private messageTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;
  private lastMessageFlush = 0;
  /** Delivery counters per mode, bound once (no label lookup per emit). */
  private readonly delivered: Record<DeliveryMode, { inc(n: number): void }> | undefined;

  constructor(
    private readonly io: Server,
    private readonly flushMs: number,
    private readonly presenceFlushMs: number,
    metrics?: ChatMetrics,
  ) {
    this.delivered = metrics && { seed: metrics.deliveries.labels("seed"), batch: metrics.deliveries.labels("batch") };
  }

  /** Set by the sharded bus: true when a message is held back to go out later (see OpeningRooms). */
  holdBack: ((message: ChatMessage) => boolean) | undefined;

  /**
   * False when the message was delivered here lately already (a second copy: see messageNow).
   * `opened`: the first message of a private room opened on this instance, whose room is shown to
   * these users first (once, with the first copy).
   */
  message(message: ChatMessage, opened?: { room: RoomSummary; userIds: number[] }): boolean {
    if (this.holdBack?.(message)) return true;
    if (opened && !this.deliveredLately(message.roomId, message.id, false)) this.showRoom(opened.room, opened.userIds);
    return this.messageNow(message);
  }

  /**
   * Set by the sharded bus: resolves once this instance hears the room's channel for these users'
   * sockets here. A message of ours reaches our sockets only through pub/sub (see PubSubBridge).
   */
  listenToRoom: ((roomId: string, userIds: number[]) => Promise<void>) | undefined;

  /** Before a message is stored in `roomId` for `userIds` (sender, a private room's members): see listenToRoom. */
  async listenTo(roomId: string, userIds: number[]): Promise<void> {
    await this.listenToRoom?.(roomId, userIds);
  }

  /**
   * Delivers at once, never held back; a message already delivered here lately is not delivered
   * again (with PUBSUB_MODE=both our messages arrive on their room's channel and on MESSAGES, and a
   * new private room's history may repeat what came live).
   */
  messageNow(message: ChatMessage): boolean {
    if (this.deliveredLately(message.roomId, message.id)) return false;
    this.emitTo("seed", deliveryTargets("seed", message.roomId), "message", message);
    const queue = this.pendingMessages.get(message.roomId);
    if (queue) queue.push(message);
    else this.pendingMessages.set(message.roomId, [message]);
    this.scheduleMessageFlush();
    return true;
  }

  /** `show.room` to the given users' sockets (the other member of a new private room). */
  showRoom(room: RoomSummary, userIds: number[]): void {
    for (const mode of ["seed", "batch"] as const) {
      this.io.to(userIds.map((id) => socketRooms.user(mode, id))).emit("show.room", room);
    }
  }

  presence(user: PresenceUser): void {
    const pending = this.pendingPresence.get(user.id);
    if (pending) pending.latest = user;
    else this.pendingPresence.set(user.id, { first: user.online, latest: user });
    this.presenceTimer ??= setTimeout(() => this.flushPresence(), this.presenceFlushMs);
  }

  /**
   * An event about a room (`message.updated`, `message.deleted`, `reaction.updated`, `typing`) to
   * the room's sockets of both modes, as its messages are delivered, leaving out `exceptUserId`'s
   * own sockets. Messages of the room still waiting for their batch go first, so that no client
   * hears of a change to a message before the message itself.
   */
  roomEvent<E extends RoomEventName>(event: E, roomId: string, payload: Parameters<ServerToClientEvents[E]>[0], exceptUserId?: number): void {
    if (this.pendingMessages.has(roomId)) this.flushMessages();
    for (const mode of ["seed", "batch"] as const) {
      const rooms = deliveryTargets(mode, roomId);
      if (this.socketsIn(rooms) === 0) continue;
      const targets = this.io.to(rooms);
      (exceptUserId === undefined ? targets : targets.except(socketRooms.user(mode, exceptUserId))).emit(event, payload);
    }
  }

  /**
   * Tells local sockets to fetch what was said after `since` (see `Resync`): every socket, or those
   * that receive the given rooms' messages and those of the given users.
   */
  resync(since: string, roomIds?: string[], userIds: number[] = []): void {
    this.flushMessages();
    if (!roomIds) {
      this.io.emit("resync", { since });
      return;
    }
    const targets = roomIds.flatMap((roomId) => [...deliveryTargets("seed", roomId), ...deliveryTargets("batch", roomId)]);
    for (const userId of userIds) targets.push(socketRooms.user("seed", userId), socketRooms.user("batch", userId));
    if (targets.length > 0) this.io.to(targets).emit("resync", { since });
  }

  /** Whether any socket here is to get the room's messages (one Map lookup per target). */
  hasRecipients(roomId: string): boolean {
    const rooms = this.io.of("/").adapter.rooms;
    for (const mode of ["seed", "batch"] as const) {
      for (const target of deliveryTargets(mode, roomId)) if ((rooms.get(target)?.size ?? 0) > 0) return true;
    }
    return false;
  }

  /**
   * A private room got its first message on this instance: tells the other instances holding its
   * members (set by the sharded bus, which has them hear the room's channel first; in seed mode the
   * store script's `show.room` on MESSAGES did it already).
   */
  roomOpenedElsewhere: ((room: RoomSummary) => Promise<void>) | undefined;

  async roomOpened(room: RoomSummary): Promise<void> {
    await this.roomOpenedElsewhere?.(room);
  }

  /** Sends whatever is pending now (on shutdown). */
  flush(): void {
    this.flushMessages();
    this.flushPresence();
  }

  /** `roomId id` of the messages delivered lately, in two generations of RECENT_IDS_MS each. */
  private recentIds = { current: new Set<string>(), previous: new Set<string>(), since: 0 };

  /**
   * True when message `id` of `roomId` was delivered within the last RECENT_IDS_MS or so; notes it
   * otherwise (unless `note` is false). Keyed by room too: an id is unique within its room only (the
   * store time in µs, see docs/data-model.md), and on Redis Cluster two rooms' masters often store
   * messages sent together in the same microsecond; keyed by id alone, the second was dropped on
   * every instance.
   */
  private deliveredLately(roomId: string, id: string, note = true): boolean {
    const key = `${roomId} ${id}`;
    const ids = this.recentIds;
    if (ids.current.has(key) || ids.previous.has(key)) return true;
    if (!note) return false;
    const now = Date.now();
    if (now - ids.since >= RECENT_IDS_MS) this.recentIds = { current: new Set(), previous: ids.current, since: now };
    this.recentIds.current.add(key);
    return false;
  }

  private scheduleMessageFlush(): void {
    if (this.messageTimer) return;
    // Leading edge: after a quiet spell the first message goes out on the next turn of the event
    // loop; under load, frames go out at most once per window.
    const wait = this.lastMessageFlush + this.flushMs - Date.now();
    this.messageTimer = wait <= 0 ? setImmediate(() => this.flushMessages()) : setTimeout(() => this.flushMessages(), wait);
  }

  private flushMessages(): void {
    if (this.messageTimer) {
      clearTimeout(this.messageTimer as NodeJS.Timeout);
      clearImmediate(this.messageTimer as NodeJS.Immediate);
      this.messageTimer = undefined;
    }
    this.lastMessageFlush = Date.now();
    for (const [roomId, messages] of this.pendingMessages) this.emitTo("batch", deliveryTargets("batch", roomId), "message.batch", { roomId, messages });
    this.pendingMessages.clear();
  }

  /**
   * Sockets in the given socket rooms (Maps the adapter keeps anyway: one lookup per room, not per
   * socket). A socket is in at most one of a message's targets.
   */
  private socketsIn(targets: string[]): number {
    const rooms = this.io.of("/").adapter.rooms;
    let sockets = 0;
    for (const target of targets) sockets += rooms.get(target)?.size ?? 0;
    return sockets;
  }

  /**
   * Emits a message event to the targets' sockets and counts the frames, or does nothing when there
   * are none: Socket.IO encodes a broadcast before it looks for sockets, and most instances have no
   * seed-mode socket at all (or no batch-mode one).
   */
  private emitTo<E extends "message" | "message.batch">(mode: DeliveryMode, targets: string[], event: E, payload: Parameters<ServerToClientEvents[E]>[0]): void {
    const sockets = this.socketsIn(targets);
    if (sockets === 0) return;
    this.io.to(targets).emit(event, payload);
    this.delivered?.[mode].inc(sockets);
  }

  private flushPresence(): void {
    clearTimeout(this.presenceTimer);
    this.presenceTimer = undefined;
    // A window that began with "came online" and ended with "went offline" (or the reverse) changed
    // nothing for anyone who saw the state before it.
    const changed = [...this.pendingPresence.values()].filter((p) => p.first === p.latest.online).map((p) => p.latest);
    this.pendingPresence.clear();
    if (changed.length === 0) return;
    if (this.socketsIn([socketRooms.everyone("seed")]) > 0) {
      const seed = this.io.to(socketRooms.everyone("seed"));
      for (const user of changed) seed.emit(user.online ? "user.connected" : "user.disconnected", user);
    }
    if (this.socketsIn([socketRooms.everyone("batch")]) > 0) this.io.to(socketRooms.everyone("batch")).emit("presence.batch", { users: changed });
  }
}
