import {
  GENERAL_ROOM_ID,
  parsePrivateRoomId,
  type CreateRoomBody,
  type DirectoryRoom,
  type ReadState,
  type RoomDetails,
  type RoomMember,
  type SessionUser,
  type UpdateRoomBody,
  type UserRoom,
} from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { AuditLog } from "../moderation/audit-log.js";
import type { Rooms } from "../rooms.js";
import type { Users } from "../users.js";
import type { Bans } from "../users/bans.js";
import type { Deactivations } from "../users/deactivation.js";
import type { Roles } from "../users/role.js";
import { RoomRefusal, type RoomChanges } from "./changes.js";
import type { Membership } from "./membership.js";
import { MIN_GROUP_MEMBERS, type NamedRooms, type RoomMeta } from "./named-rooms.js";
import type { ReadStates } from "./read-state.js";
import { RateLimited, type UserBudget } from "../rate-limits.js";

export const REFUSED = {
  notMember: "You are not a member of this room",
  notManager: "Only the room's managers (its creator and administrators) can do that",
  noRoom: "No such room",
  closed: "This room is closed: its managers add members",
  fixedRoom: "General and private rooms cannot be changed",
  groupName: "A group conversation is named by its members: it cannot be renamed or opened",
} as const;

export interface RoomManagementDeps {
  redis: Redis;
  users: Users;
  roles: Roles;
  bans: Bans;
  deactivations: Deactivations;
  rooms: Rooms;
  membership: Membership;
  namedRooms: NamedRooms;
  readStates: ReadStates;
  audit: AuditLog;
  changes: RoomChanges;
  /** ROOM_CREATE_RATE_LIMIT per user, and MAX_ROOMS_PER_CREATOR (0 = no cap). */
  creation: { budget: UserBudget; maxPerCreator: number };
}

/**
 * What people do with rooms (issue 9), with who may do it: create named rooms and group
 * conversations, read a room's details, rename, open or close, delete, join, leave, add and remove
 * members, mark read. Every change is told live to everyone concerned, on every instance, through
 * `changes`. Refusals throw RoomRefusal (answered as `{message}` with its status).
 */
export class RoomManagement {
  /** Told of every room deleted here, after its keys are gone (its files go with it); must not throw. */
  readonly deletedListeners: ((roomId: string) => Promise<void>)[] = [];

  constructor(private readonly d: RoomManagementDeps) {}

  /**
   * `POST /rooms`. A named room (the creator and `members`), or the group conversation of exactly
   * `members` plus the creator. `created` is false when that group already existed.
   */
  async create(actor: SessionUser, body: CreateRoomBody): Promise<{ created: boolean; room: RoomDetails }> {
    const members = [...new Set([actor.id, ...(body.members ?? [])])];
    await this.requireUsers(members);
    await this.admitCreation(actor.id);
    let id: string;
    let created = true;
    if (body.name !== undefined) {
      id = await this.d.namedRooms.create({
        name: body.name,
        topic: body.topic ?? "",
        visibility: body.visibility ?? "open",
        ownerId: actor.id,
        members,
      }).catch(async (err: unknown) => {
        // Refused (the name is taken): no room was made, so it costs nothing of the budget.
        await this.d.creation.budget.giveBack(actor.id);
        throw err;
      });
    } else {
      if (members.length < MIN_GROUP_MEMBERS) {
        throw new RoomRefusal(400, `A group conversation needs at least ${MIN_GROUP_MEMBERS} people, yourself included`);
      }
      ({ id, created } = await this.d.namedRooms.openGroup(actor.id, members));
    }
    if (created) await this.d.redis.sAdd(keys.roomsCreatedBy(actor.id), id);
    else await this.d.creation.budget.giveBack(actor.id);
    if (created) await this.d.changes.publish({ change: "member.added", roomId: id, userIds: members });
    return { created, room: await this.details(actor, id) };
  }

  /**
   * Whether the user may create one more room: within ROOM_CREATE_RATE_LIMIT (429 with the wait)
   * and under MAX_ROOMS_PER_CREATOR rooms of theirs that still exist (403). Takes a point of the budget.
   */
  private async admitCreation(userId: number): Promise<void> {
    const { budget, maxPerCreator } = this.d.creation;
    const waitMs = await budget.take(userId);
    if (waitMs > 0) throw new RateLimited("Too many rooms created", waitMs);
    if (maxPerCreator > 0 && (await this.d.redis.sCard(keys.roomsCreatedBy(userId))) >= maxPerCreator) {
      await budget.giveBack(userId);
      throw new RoomRefusal(403, `You have created ${maxPerCreator} rooms, as many as one person may; delete one first`);
    }
  }

  /** `GET /room/:id`: open rooms to anyone signed in, closed ones to members and administrators. */
  async details(actor: SessionUser, roomId: string): Promise<RoomDetails> {
    if (roomId === GENERAL_ROOM_ID) {
      const [name, total] = await Promise.all([this.d.redis.get(keys.roomName(roomId)), this.d.redis.get(keys.totalUsers)]);
      return {
        id: roomId, name: name ?? "General", topic: "", visibility: "open", kind: "general",
        ownerId: null, memberCount: Number(total ?? 0), members: [], canManage: false,
      };
    }
    const pair = parsePrivateRoomId(roomId);
    if (pair) {
      if (!(await this.d.rooms.isMember(actor.id, roomId))) throw new RoomRefusal(403, REFUSED.notMember);
      const members = await this.memberList(pair);
      return {
        id: roomId, name: members.map((m) => m.username).join(", "), topic: "", visibility: "closed", kind: "private",
        ownerId: null, memberCount: 2, members, canManage: false,
      };
    }
    const meta = await this.d.namedRooms.meta(roomId);
    if (!meta) return this.foreignDetails(actor, roomId);
    const [isMember, isAdmin] = await Promise.all([this.d.membership.isMember(actor.id, roomId), this.d.roles.isAdmin(actor.id)]);
    if (meta.visibility === "closed" && !isMember && !isAdmin) throw new RoomRefusal(403, REFUSED.notMember);
    // From Redis: this instance may not have heard of a change made on another.
    const memberIds = await this.d.membership.freshMembers(roomId);
    return {
      id: roomId, name: meta.name, topic: meta.topic, visibility: meta.visibility, kind: meta.kind,
      ownerId: meta.ownerId, memberCount: memberIds.length, members: await this.memberList(memberIds),
      canManage: isAdmin || meta.ownerId === actor.id,
    };
  }

  /** `PATCH /room/:id` (managers). */
  async update(actor: SessionUser, roomId: string, change: UpdateRoomBody): Promise<RoomDetails> {
    const meta = await this.managed(actor, roomId);
    if (meta.kind === "group" && (change.name !== undefined || change.visibility === "open")) {
      throw new RoomRefusal(400, REFUSED.groupName);
    }
    await this.d.namedRooms.update(meta, change);
    await this.d.audit.record({ action: "room.update", actorId: actor.id, roomId, detail: describeChange(meta, change) });
    await this.d.changes.publish({ change: "room.updated", roomId });
    return this.details(actor, roomId);
  }

  /** `DELETE /room/:id` (managers): the room and its history. */
  async delete(actor: SessionUser, roomId: string): Promise<void> {
    const meta = await this.managed(actor, roomId);
    const memberIds = await this.d.namedRooms.delete(meta);
    for (const listener of this.deletedListeners) await listener(roomId);
    await this.d.redis.sRem(keys.roomsCreatedBy(meta.ownerId), roomId);
    await this.d.audit.record({ action: "room.delete", actorId: actor.id, roomId, detail: meta.name, ...(meta.name ? { roomName: meta.name } : {}) });
    await this.d.changes.publish({ change: "room.deleted", roomId, memberIds });
  }

  /** `POST /room/:id/join`: open rooms only. Joining a room one is in already changes nothing. */
  async join(actor: SessionUser, roomId: string): Promise<RoomDetails> {
    const meta = await this.ours(roomId);
    if (!(await this.d.membership.isMember(actor.id, roomId))) {
      if (meta.visibility !== "open") throw new RoomRefusal(403, REFUSED.closed);
      await this.addMembers(meta, [actor.id]);
    }
    return this.details(actor, roomId);
  }

  /** `POST /room/:id/leave`. */
  async leave(actor: SessionUser, roomId: string): Promise<void> {
    const meta = await this.ours(roomId);
    if (!(await this.d.membership.isMember(actor.id, roomId))) throw new RoomRefusal(403, REFUSED.notMember);
    await this.removeMember(meta, actor.id, "left");
  }

  /** `PUT /room/:id/members/:userId` (managers). */
  async addMember(actor: SessionUser, roomId: string, userId: number): Promise<RoomDetails> {
    const meta = await this.managed(actor, roomId);
    await this.requireUsers([userId]);
    if (await this.d.bans.isBanned(userId)) throw new RoomRefusal(403, "This user is banned");
    await this.addMembers(meta, [userId]);
    return this.details(actor, roomId);
  }

  /** `DELETE /room/:id/members/:userId` (managers; administrators remove anyone from any room). */
  async removeMemberBy(actor: SessionUser, roomId: string, userId: number): Promise<void> {
    if (userId === actor.id) return this.leave(actor, roomId);
    const meta = await this.managed(actor, roomId);
    if (!(await this.d.membership.isMember(userId, roomId))) throw new RoomRefusal(404, "That user is not a member of this room");
    await this.removeMember(meta, userId, "removed");
    await this.d.audit.record({ action: "room.member.remove", actorId: actor.id, roomId, userId });
  }

  /**
   * `GET /rooms?q=&cursor=&limit=`: one page of open rooms, newest activity first, whose name or
   * topic contains `q`. The page's details are read in one pipelined pass (meta, member count, own membership),
   * from Redis rather than this instance's member cache: an instance hears of member changes only
   * for rooms its sockets are in, and the directory lists every open room.
   */
  async directory(actor: SessionUser, query: { q?: string; cursor?: string; limit: number }): Promise<{ rooms: DirectoryRoom[]; nextCursor?: string }> {
    const { ids, nextCursor } = await this.d.namedRooms.directoryPage(query);
    const [metas, counts, joined] = await Promise.all([
      this.d.namedRooms.metas(ids),
      Promise.all(ids.map((id) => this.d.redis.sCard(keys.roomMembers(id)))),
      Promise.all(ids.map((id) => this.d.redis.sIsMember(keys.roomMembers(id), String(actor.id)).then((n) => n === 1))),
    ]);
    const rooms = ids.flatMap((id, i): DirectoryRoom[] => {
      const room = metas.get(id);
      if (!room || room.visibility !== "open") return [];
      return [{ id, name: room.name, topic: room.topic, visibility: room.visibility, memberCount: counts[i]!, joined: joined[i]! }];
    });
    return { rooms, ...(nextCursor ? { nextCursor } : {}) };
  }

  /** `GET /rooms/:userId`: the seed's list, each room with its name, kind and read state. */
  async listFor(userId: number): Promise<UserRoom[]> {
    const summaries = await this.d.rooms.listFor(userId);
    const ids = summaries.map((s) => s.id);
    const [metas, reads] = await Promise.all([this.d.namedRooms.metas(ids), this.d.readStates.forRooms(userId, ids)]);
    return summaries.map((summary) => {
      const meta = metas.get(summary.id);
      const read = reads.get(summary.id);
      return toUserRoom(summary, meta, read);
    });
  }

  /** One room as `GET /rooms/:userId` lists it, for a member (the `room.added` event). */
  async userRoom(userId: number, roomId: string): Promise<UserRoom | undefined> {
    const summary = await this.d.rooms.summary(roomId);
    if (!summary) return undefined;
    const [meta, reads] = await Promise.all([this.d.namedRooms.meta(roomId), this.d.readStates.forRooms(userId, [roomId])]);
    return toUserRoom(summary, meta, reads.get(roomId));
  }

  /**
   * `PUT /room/:id/read` (members): moves the marker forward and, only when it moved, tells the
   * user's sockets (a repeated or older marker changes nothing for them).
   */
  async markRead(actor: SessionUser, roomId: string, messageId: string): Promise<ReadState> {
    if (!(await this.d.rooms.isMember(actor.id, roomId))) throw new RoomRefusal(await this.d.rooms.refusalStatus(roomId), REFUSED.notMember);
    const { state, moved } = await this.d.readStates.mark(actor.id, roomId, messageId);
    if (moved) await this.d.changes.publish({ change: "read", userId: actor.id, ...state });
    return state;
  }

  /**
   * `{id, username, online, role}` for the users that exist, in the order given; `deactivated: true`
   * and `banned: true` mark a deactivated or banned one.
   */
  async memberList(ids: number[]): Promise<RoomMember[]> {
    const [withPresence, roles, deactivated, banned] = await Promise.all([
      this.d.users.withPresence(ids),
      Promise.all(ids.map((id) => this.d.roles.of(id))),
      this.d.deactivations.flags(ids),
      this.d.bans.flags(ids),
    ]);
    return ids.flatMap((id, i) => {
      const user = withPresence[id];
      return user ? [{ ...user, role: roles[i]!, ...(deactivated[i] ? { deactivated: true } : {}), ...(banned[i] ? { banned: true } : {}) }] : [];
    });
  }

  private async addMembers(meta: RoomMeta, userIds: number[]): Promise<void> {
    const before = meta.kind === "group" ? await this.d.membership.freshMembers(meta.id) : [];
    const added = await this.d.membership.add(meta.id, userIds);
    if (added.length === 0) return;
    // Joining late: the history before now is not "unread".
    await Promise.all(added.map((id) => this.markNewestRead(id, meta.id)));
    if (meta.kind === "group") await this.d.namedRooms.regroup(meta, before, [...before, ...added]);
    await this.d.changes.publish({ change: "member.added", roomId: meta.id, userIds: added });
    if (meta.kind === "group") await this.d.changes.publish({ change: "room.updated", roomId: meta.id });
  }

  private async removeMember(meta: RoomMeta, userId: number, reason: "left" | "removed"): Promise<void> {
    const before = meta.kind === "group" ? await this.d.membership.freshMembers(meta.id) : [];
    if (!(await this.d.membership.remove(meta.id, userId))) return;
    if (meta.kind === "group") await this.d.namedRooms.regroup(meta, before, before.filter((id) => id !== userId));
    await this.d.changes.publish({ change: "member.removed", roomId: meta.id, userId, reason });
    if (meta.kind === "group") await this.d.changes.publish({ change: "room.updated", roomId: meta.id });
  }

  private async markNewestRead(userId: number, roomId: string): Promise<void> {
    await this.d.readStates.mark(userId, roomId, "99999999999999999999");
  }

  /** A room people made, or 404; General and private rooms are 403 (they cannot be changed). */
  private async ours(roomId: string): Promise<RoomMeta> {
    if (roomId === GENERAL_ROOM_ID || parsePrivateRoomId(roomId)) throw new RoomRefusal(403, REFUSED.fixedRoom);
    const meta = await this.d.namedRooms.meta(roomId);
    if (!meta) throw new RoomRefusal(404, REFUSED.noRoom);
    return meta;
  }

  /** A room people made that the actor manages (its creator, or an administrator), else 403. */
  private async managed(actor: SessionUser, roomId: string): Promise<RoomMeta> {
    const meta = await this.ours(roomId);
    if (meta.ownerId === actor.id || (await this.d.roles.isAdmin(actor.id))) return meta;
    // Closed rooms do not tell outsiders more than that they may not.
    throw new RoomRefusal(403, REFUSED.notManager);
  }

  /** A named room written by a server that follows the seed: only a name, members only. */
  private async foreignDetails(actor: SessionUser, roomId: string): Promise<RoomDetails> {
    const name = await this.d.redis.get(keys.roomName(roomId));
    if (name === null) throw new RoomRefusal(404, REFUSED.noRoom);
    if (!(await this.d.rooms.isMember(actor.id, roomId))) throw new RoomRefusal(403, REFUSED.notMember);
    return { id: roomId, name, topic: "", visibility: "closed", kind: "room", ownerId: null, memberCount: 0, members: [], canManage: false };
  }

  private async requireUsers(ids: number[]): Promise<void> {
    const names = await this.d.users.usernames(ids);
    const missing = ids.find((id) => !names.has(id));
    if (missing !== undefined) throw new RoomRefusal(404, `No such user: ${missing}`);
  }
}

function toUserRoom(summary: { id: string; names: string[] }, meta: RoomMeta | undefined, read: ReadState | undefined): UserRoom {
  const kind = summary.id === GENERAL_ROOM_ID ? "general" : parsePrivateRoomId(summary.id) ? "private" : meta?.kind ?? "room";
  return {
    id: summary.id,
    names: summary.names,
    name: meta?.name ?? summary.names.join(", "),
    kind,
    topic: meta?.topic ?? "",
    visibility: meta?.visibility ?? (kind === "general" ? "open" : "closed"),
    unread: read?.unread ?? 0,
    lastRead: read?.lastRead ?? null,
  };
}

function describeChange(meta: RoomMeta, change: UpdateRoomBody): string {
  const parts: string[] = [];
  if (change.name !== undefined && change.name !== meta.name) parts.push(`name: ${meta.name} -> ${change.name}`);
  if (change.topic !== undefined && change.topic !== meta.topic) parts.push("topic changed");
  if (change.visibility !== undefined && change.visibility !== meta.visibility) parts.push(`visibility: ${change.visibility}`);
  return parts.join("; ");
}
