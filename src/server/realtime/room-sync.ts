import { RoomLiveChange, type RoomMember } from "../../protocol/index.js";
import type { ChatContext } from "../context.js";
import type { RoomChangeSink } from "../domain/rooms/changes.js";
import type { PubSubBridge } from "./bridge.js";
import type { BusInterest } from "./bus/interest.js";
import { keys } from "../redis/keys.js";
import type { ChatServer } from "./handlers/handler.js";
import { socketRooms, type DeliveryMode, type MembershipChanges } from "./socket-rooms.js";

const MODES: DeliveryMode[] = ["seed", "batch"];
export const ROOM_CHANGE = "room.change";

/**
 * Live room changes on every instance (issue 9). A change is applied to this instance's sockets
 * first (so the person who made it sees it before the HTTP answer), then published (on `MESSAGES`,
 * or the sharded channels of channelsOf) as an envelope of ours (`room.change`, ids only; see protocol RoomLiveChange); every other instance
 * applies it to its own sockets:
 * - its member cache forgets the room;
 * - added members' sockets join the room's socket rooms and get `room.added` (and the seed's
 *   `show.room`), the room's sockets get `room.member.added`;
 * - a removed member's sockets leave the room's socket rooms at once (no message of the room
 *   reaches them after this) and get `room.removed`; the others get `room.member.removed`;
 * - `room.updated`, `room.deleted`, `room.read` (to the user's own sockets), and bans (the user's
 *   sockets are disconnected; everyone gets `user.banned`).
 * Details (names, members) are read from Redis only where this instance has sockets concerned.
 */
export class RoomSync implements RoomChangeSink {
  constructor(
    private readonly io: ChatServer,
    private readonly ctx: ChatContext,
    private readonly bridge: PubSubBridge,
    private readonly bus: BusInterest | undefined,
    private readonly membershipChanges: MembershipChanges,
  ) {}

  attach(): void {
    this.ctx.roomChanges.attach(this);
    this.bridge.on(ROOM_CHANGE, (data) => this.receive(data));
    // A private room started on a seed server (its client sent the first message there) is in
    // neither member's room list: record it, so it is still listed after a reload.
    this.bridge.onPrivateRoomShown((room) =>
      void this.ctx.rooms.addPrivateMembers(room.id).catch((err: unknown) =>
        this.ctx.log.warn({ err: String(err), roomId: room.id }, "could not record a private room another server announced"),
      ),
    );
    // Changes may have been missed while the subscription was down: forget what was cached.
    this.bridge.onRestored(() => {
      this.ctx.membership.clear();
      this.membershipChanges.changedForAll();
    });
  }

  async publish(change: RoomLiveChange): Promise<void> {
    await this.apply(change).catch((err: unknown) => this.ctx.log.warn({ err: String(err), change: change.change }, "could not apply a room change here"));
    await this.bridge.publish(ROOM_CHANGE, change, channelsOf(change));
  }

  /** Another instance's change. Never throws. */
  receive(data: unknown): void {
    const change = RoomLiveChange.safeParse(data);
    if (!change.success) {
      this.ctx.log.warn("dropped a malformed room.change envelope");
      return;
    }
    this.apply(change.data).catch((err: unknown) =>
      this.ctx.log.warn({ err: String(err), change: change.data.change }, "could not apply a room change"),
    );
  }

  async apply(change: RoomLiveChange): Promise<void> {
    // First, synchronously: a connection of theirs in its handshake looks its rooms up again.
    this.membershipChanges.changed(affectedUsers(change));
    switch (change.change) {
      case "member.added":
        this.ctx.membership.invalidate(change.roomId);
        return this.membersAdded(change.roomId, change.userIds);
      case "member.removed":
        this.ctx.membership.invalidate(change.roomId);
        return this.memberRemoved(change.roomId, change.userId, change.reason);
      case "room.updated":
        this.ctx.membership.invalidate(change.roomId);
        return this.roomUpdated(change.roomId);
      case "room.deleted":
        this.ctx.membership.invalidate(change.roomId);
        return this.roomDeleted(change.roomId, change.memberIds);
      case "read":
        this.toUser(change.userId).emit("room.read", { roomId: change.roomId, lastRead: change.lastRead, unread: change.unread });
        return;
      case "user.banned":
        this.io.emit("user.banned", { id: change.userId, username: change.username });
        this.io.in(MODES.map((mode) => socketRooms.user(mode, change.userId))).disconnectSockets(true);
        return;
      case "user.unbanned":
        this.io.emit("user.unbanned", { id: change.userId, username: change.username });
        return;
    }
  }

  private async membersAdded(roomId: string, userIds: number[]): Promise<void> {
    const local = userIds.filter((id) => this.hasSockets(MODES.map((mode) => socketRooms.user(mode, id))));
    // This instance hears the room first (the sharded bus), then its sockets join it synchronously:
    // nothing said in the room from now on is missed.
    if (this.bus?.enabled) await Promise.all(local.map((id) => this.bus!.addRoom(id, roomId)));
    for (const id of local) {
      for (const mode of MODES) this.io.in(socketRooms.user(mode, id)).socketsJoin(socketRooms.room(mode, roomId));
    }
    for (const id of local) {
      const room = await this.ctx.roomManagement.userRoom(id, roomId);
      if (!room) continue;
      this.io.to(socketRooms.user("batch", id)).emit("room.added", { room });
      this.io.to(socketRooms.user("seed", id)).emit("room.added", { room });
      this.io.to(socketRooms.user("seed", id)).emit("show.room", { id: room.id, names: [room.name] });
    }
    if (!this.roomHasSockets(roomId)) return;
    const [members, memberCount] = await Promise.all([
      this.ctx.roomManagement.memberList(userIds),
      this.ctx.membership.count(roomId),
    ]);
    for (const member of members as RoomMember[]) this.toRoom(roomId).emit("room.member.added", { roomId, member, memberCount });
  }

  private async memberRemoved(roomId: string, userId: number, reason: "left" | "removed"): Promise<void> {
    // At once, before anything awaits: the next message of the room must not reach them.
    for (const mode of MODES) this.io.in(socketRooms.user(mode, userId)).socketsLeave(socketRooms.room(mode, roomId));
    this.bus?.removeRoom(userId, roomId);
    this.toUser(userId).emit("room.removed", { roomId, reason });
    if (!this.roomHasSockets(roomId)) return;
    const memberCount = await this.ctx.membership.count(roomId);
    this.toRoom(roomId).emit("room.member.removed", { roomId, userId, memberCount, reason });
  }

  private async roomUpdated(roomId: string): Promise<void> {
    if (!this.roomHasSockets(roomId)) return;
    const meta = await this.ctx.namedRooms.meta(roomId);
    if (meta) this.toRoom(roomId).emit("room.updated", { roomId, name: meta.name, topic: meta.topic, visibility: meta.visibility });
  }

  private async roomDeleted(roomId: string, memberIds: number[]): Promise<void> {
    this.toRoom(roomId).emit("room.deleted", { roomId });
    for (const mode of MODES) this.io.in(socketRooms.room(mode, roomId)).socketsLeave(socketRooms.room(mode, roomId));
    for (const id of memberIds) {
      this.bus?.removeRoom(id, roomId);
      this.toUser(id).emit("room.removed", { roomId, reason: "deleted" });
    }
  }

  private toUser(userId: number) {
    return this.io.to(MODES.map((mode) => socketRooms.user(mode, userId)));
  }

  private toRoom(roomId: string) {
    return this.io.to(MODES.map((mode) => socketRooms.room(mode, roomId)));
  }

  private roomHasSockets(roomId: string): boolean {
    return this.hasSockets(MODES.map((mode) => socketRooms.room(mode, roomId)));
  }

  private hasSockets(names: string[]): boolean {
    const rooms = this.io.of("/").adapter.rooms;
    return names.some((name) => (rooms.get(name)?.size ?? 0) > 0);
  }
}

/**
 * The sharded channels a change goes to (ignored in seed mode): the room's, whose holders are every
 * instance with a member's socket (so a removed member's and a deleted room's members are reached
 * there); added members' own channels too, as their instances do not hear the room yet; a read
 * marker to its person; bans to everyone.
 */
function channelsOf(change: RoomLiveChange): string[] {
  switch (change.change) {
    case "member.added":
      return [keys.roomChannel(change.roomId), ...change.userIds.map((id) => keys.userChannel(id))];
    case "member.removed":
    case "room.updated":
    case "room.deleted":
      return [keys.roomChannel(change.roomId)];
    case "read":
      return [keys.userChannel(change.userId)];
    case "user.banned":
    case "user.unbanned":
      return [keys.globalChannel];
    default:
      return [];
  }
}

/** Users whose socket rooms a change adds or removes. */
function affectedUsers(change: RoomLiveChange): number[] {
  switch (change.change) {
    case "member.added":
      return change.userIds;
    case "member.removed":
      return [change.userId];
    case "room.deleted":
      return change.memberIds;
    default:
      return [];
  }
}

/** Wires live room changes into this instance (see RoomSync). */
export function attachRoomSync(io: ChatServer, ctx: ChatContext, bridge: PubSubBridge, bus: BusInterest | undefined, membershipChanges: MembershipChanges): RoomSync {
  const sync = new RoomSync(io, ctx, bridge, bus, membershipChanges);
  sync.attach();
  return sync;
}
