import { GENERAL_ROOM_ID } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { ChannelSubscriptions } from "./channel-subscriptions.js";

/** One user with sockets on this instance: the rooms whose channels are held for them. */
interface LocalUser {
  sockets: number;
  rooms: Set<string>;
  /** Resolves once their own channel and every room's are subscribed (confirmed by Redis). */
  ready: Promise<void>;
}

/**
 * Which sharded channels this instance needs: the global channel and General's always (everyone is
 * in General), and, for every user holding a socket here, their own channel and the channel of each
 * room they are in (reference counted per user, not per socket: a user's tenth tab costs nothing).
 * Rooms come from the seed's `user:{id}:rooms` (one SMEMBERS on a user's first connection here).
 *
 * The gateway awaits `connect` before it accepts a socket, and `room.join` and room changes await
 * `addRoom` before they answer or tell the client: once a client hears that it is connected or in a
 * room, every envelope published to the room from then on reaches this instance; what came before
 * is in history, which the client reads after.
 *
 * With PUBSUB_MODE=seed there are no channels (`channels` undefined) and every method is a no-op.
 */
export class BusInterest {
  private readonly users = new Map<number, LocalUser>();

  constructor(
    private readonly channels: ChannelSubscriptions | undefined,
    private readonly redis: Redis,
  ) {}

  get enabled(): boolean {
    return this.channels !== undefined;
  }

  /** Starts watching for losses and holds the channels every instance needs. */
  async start(): Promise<void> {
    if (!this.channels) return;
    this.channels.start();
    await Promise.all([this.channels.acquire(keys.globalChannel), this.channels.acquire(keys.roomChannel(GENERAL_ROOM_ID))]);
  }

  async stop(): Promise<void> {
    this.users.clear();
    await this.channels?.stop();
  }

  /**
   * A socket of `userId` is about to be accepted: resolves, with the user's room ids, once every
   * channel they need is subscribed. Each call that resolved is paired with one `disconnect`.
   * Rejects when Redis cannot subscribe now (the handshake is refused; the client retries).
   */
  async connect(userId: number): Promise<string[] | undefined> {
    const channels = this.channels;
    if (!channels) return undefined;
    let user = this.users.get(userId);
    if (!user) {
      const created: LocalUser = { sockets: 0, rooms: new Set(), ready: Promise.resolve() };
      created.ready = this.load(channels, userId, created);
      this.users.set(userId, created);
      user = created;
    }
    user.sockets++;
    try {
      await user.ready;
    } catch (err) {
      this.disconnect(userId);
      throw err;
    }
    return [...user.rooms];
  }

  /** A socket of `userId` is gone; their channels are let go with the last one (after the release delay). */
  disconnect(userId: number): void {
    const user = this.users.get(userId);
    if (!user || --user.sockets > 0) return;
    this.users.delete(userId);
    this.channels!.release(keys.userChannel(userId));
    for (const roomId of user.rooms) this.channels!.release(keys.roomChannel(roomId));
  }

  /** Whether `userId` has sockets here. */
  holds(userId: number): boolean {
    return this.users.has(userId);
  }

  /**
   * `userId` is in `roomId` now (joined, added, a private room opened): if they have sockets here,
   * resolves once the room's channel is subscribed. Answer the client after it, never before.
   */
  async addRoom(userId: number, roomId: string): Promise<void> {
    const user = this.users.get(userId);
    if (!user || roomId === GENERAL_ROOM_ID) return;
    await user.ready.catch(() => {});
    if (this.users.get(userId) !== user) return;
    await this.hold(this.channels!, user, roomId);
  }

  /** `userId` left or was removed from `roomId` (or it was deleted). */
  removeRoom(userId: number, roomId: string): void {
    const user = this.users.get(userId);
    if (user?.rooms.delete(roomId)) this.channels!.release(keys.roomChannel(roomId));
  }

  /** Subscriptions held now (metrics). */
  get subscriptions(): number {
    return this.channels?.size ?? 0;
  }

  private async load(channels: ChannelSubscriptions, userId: number, user: LocalUser): Promise<void> {
    const [, ids] = await Promise.all([channels.acquire(keys.userChannel(userId)), this.redis.sMembers(keys.userRooms(userId))]);
    await Promise.all(ids.filter((id) => id !== GENERAL_ROOM_ID).map((id) => this.hold(channels, user, id)));
  }

  private hold(channels: ChannelSubscriptions, user: LocalUser, roomId: string): Promise<void> {
    const channel = keys.roomChannel(roomId);
    if (user.rooms.has(roomId)) return channels.acquired(channel);
    user.rooms.add(roomId);
    return channels.acquire(channel);
  }
}
