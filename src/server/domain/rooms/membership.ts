import { isMadeRoomId } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/** How many rooms' member sets one instance keeps in memory (least recently used are dropped). */
export const MEMBER_CACHE_ROOMS = 20_000;

/** The ids `rooms:counter` hands out (see isMadeRoomId). */
const OUR_ROOM_ID = { test: isMadeRoomId };

/** A room's members as this instance knows them: `ours` is false for a room we did not make. */
interface CachedMembers {
  ours: boolean;
  /** `group` for a group conversation (its members are told of every message). */
  kind: string | undefined;
  members: Set<number>;
}

/**
 * Members of the rooms people make: the set `{room:ID}:members` (ours, in the room's Cluster slot,
 * so the store script checks it in the same round trip), mirrored into the seed's
 * `user:{id}:rooms` so that a server written to the seed lists and serves the room.
 *
 * Access is decided from Redis (isMember: one SISMEMBER on the room's set): with the sharded bus an
 * instance hears a room's changes only while it holds a socket of the room, so what it remembers
 * of a room may be stale after a removal, leave, deletion or addition made elsewhere. A per-instance
 * cache of whole member sets serves what may lag: whether a room is ours and its kind (which never
 * change while the room exists), member counts for live events, and the message send path
 * (isMemberCached), whose store script checks the member set again atomically with the write. The
 * cache is invalidated by the membership-change envelopes this instance hears (see
 * realtime/room-sync), and cleared when its subscription broke.
 */
export class Membership {
  private readonly cache = new Map<string, Promise<CachedMembers>>();
  /** Bumped by every invalidation: a load that started before it is not kept. */
  private readonly versions = new Map<string, number>();
  private generation = 0;

  constructor(private readonly redis: Redis, private readonly maxRooms = MEMBER_CACHE_ROOMS) {}

  /**
   * Whether the user is a member now of a room that is not General nor private, read from Redis
   * (one round trip once the room is known here): for rooms we made, the member set; for a named
   * room made by a seed-speaking server (no member set of ours), the seed's `user:{id}:rooms`.
   */
  async isMember(userId: number, roomId: string): Promise<boolean> {
    if (!OUR_ROOM_ID.test(roomId)) return this.inSeedRoom(userId, roomId);
    // The member set is read alongside the room's kind (cached), not after it.
    const [room, member] = await Promise.all([this.load(roomId), this.redis.sIsMember(keys.roomMembers(roomId), String(userId))]);
    if (member === 1) return true;
    // Not in our set: not a member of a room of ours (whatever this instance remembers of it).
    return room.ours ? false : this.inSeedRoom(userId, roomId);
  }

  /**
   * isMember from this instance's cache: may lag a change made on another instance. Only for a
   * path whose write is checked again in Redis (the store script), or that asks isMember before
   * refusing.
   */
  async isMemberCached(userId: number, roomId: string): Promise<boolean> {
    // Our ids are decimal: anything else is never cached (a flood of made-up ids cannot evict rooms).
    const room = OUR_ROOM_ID.test(roomId) ? await this.load(roomId) : undefined;
    if (room?.ours) return room.members.has(userId);
    return this.inSeedRoom(userId, roomId);
  }

  private async inSeedRoom(userId: number, roomId: string): Promise<boolean> {
    return (await this.redis.sIsMember(keys.userRooms(userId), roomId)) === 1;
  }

  /** Whether the room is one we made (it has a member set or metadata of ours). Cached. */
  async isOurs(roomId: string): Promise<boolean> {
    return OUR_ROOM_ID.test(roomId) && (await this.load(roomId)).ours;
  }

  /**
   * The members of a group conversation, or null for any other room: the kind from the cache, the
   * members from Redis (who is in it now decides who is notified).
   */
  async groupMembers(roomId: string): Promise<number[] | null> {
    if (!OUR_ROOM_ID.test(roomId)) return null;
    const room = await this.load(roomId);
    return room.kind === "group" ? this.freshMembers(roomId) : null;
  }

  /** Member ids of a room we made (empty for any other), from the cache (may lag other instances). */
  async members(roomId: string): Promise<number[]> {
    return [...(await this.load(roomId)).members];
  }

  async count(roomId: string): Promise<number> {
    return (await this.load(roomId)).members.size;
  }

  /**
   * Adds members: the room's set first, then each user's `user:{id}:rooms`. Returns the ids that
   * were not members before. Invalidates this instance's cache; other instances hear of it from
   * the caller's envelope.
   */
  async add(roomId: string, userIds: number[]): Promise<number[]> {
    if (userIds.length === 0) return [];
    const before = await this.redis.smIsMember(keys.roomMembers(roomId), userIds.map(String));
    await this.redis.sAdd(keys.roomMembers(roomId), userIds.map(String));
    await Promise.all(userIds.map((id) => this.redis.sAdd(keys.userRooms(id), roomId)));
    this.invalidate(roomId);
    return userIds.filter((_, i) => before[i] === 0);
  }

  /**
   * Removes a member: the room's set first (access ends there: the store script and every check
   * read it), then the user's `user:{id}:rooms` and read state. True when they were a member.
   */
  async remove(roomId: string, userId: number): Promise<boolean> {
    const removed = await this.redis.sRem(keys.roomMembers(roomId), String(userId));
    await Promise.all([this.redis.sRem(keys.userRooms(userId), roomId), this.redis.hDel(keys.roomReads(roomId), String(userId))]);
    this.invalidate(roomId);
    return removed === 1;
  }

  /** Members read from Redis, bypassing the cache (for a change that must see the latest). */
  async freshMembers(roomId: string): Promise<number[]> {
    return (await this.redis.sMembers(keys.roomMembers(roomId))).map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
  }

  /** Forgets one room (it changed). */
  invalidate(roomId: string): void {
    this.cache.delete(roomId);
    this.versions.set(roomId, (this.versions.get(roomId) ?? 0) + 1);
  }

  /** Forgets everything (changes may have been missed while the subscription was down). */
  clear(): void {
    this.cache.clear();
    this.versions.clear();
    this.generation++;
  }

  private load(roomId: string): Promise<CachedMembers> {
    const hit = this.cache.get(roomId);
    if (hit) {
      // Least recently used goes first: re-insert at the end.
      this.cache.delete(roomId);
      this.cache.set(roomId, hit);
      return hit;
    }
    const version = this.versions.get(roomId) ?? 0;
    const generation = this.generation;
    const loading = Promise.all([this.redis.sMembers(keys.roomMembers(roomId)), this.redis.hGet(keys.roomMeta(roomId), "kind")]).then(
      ([ids, kind]): CachedMembers => ({
        ours: kind !== null || ids.length > 0,
        kind: kind ?? undefined,
        members: new Set(ids.map(Number)),
      }),
    );
    this.cache.set(roomId, loading);
    loading.then(
      () => {
        // Changed (or everything forgotten) while loading: keep the answer for this caller only.
        if ((this.versions.get(roomId) ?? 0) !== version || this.generation !== generation) {
          if (this.cache.get(roomId) === loading) this.cache.delete(roomId);
        }
      },
      () => {
        if (this.cache.get(roomId) === loading) this.cache.delete(roomId);
      },
    );
    if (this.cache.size > this.maxRooms) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return loading;
  }
}
