import { GENERAL_ROOM_ID, isMadeRoomId, parsePrivateRoomId, privateRoomId, type RoomSummary } from "../../protocol/index.js";
import type { Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";
import type { Membership } from "./rooms/membership.js";
import type { Users } from "./users.js";

export const GENERAL_ROOM_NAME = "General";

/**
 * Rooms: membership sets `user:{id}:rooms` and names `room:{id}:name`. General (`0`) holds every
 * user; a private room `{low}:{high}` holds exactly the two users its id names.
 */
export class Rooms {
  constructor(private readonly redis: Redis, private readonly users: Users, private readonly membership?: Membership) {}

  /**
   * Whether the user may read and write the room now. Decided from the id where the model allows
   * it (General, private rooms), so the hot path needs no Redis call; other rooms are read from
   * Redis (see rooms/membership.ts): a removal, leave or deletion made on any instance holds here
   * at once, whatever this instance heard of it.
   */
  async isMember(userId: number, roomId: string): Promise<boolean> {
    return this.decide(userId, roomId, false);
  }

  /**
   * isMember of each room of `listed`, the user's room set (`user:{id}:rooms`) as just read: a room
   * that set alone decides (a seed server's room, or any room without member sets) is a member's,
   * the others are asked as isMember does. Search asks it of every room a person is in, at once.
   */
  async isMemberOfListed(userId: number, listed: readonly string[]): Promise<boolean[]> {
    return Promise.all(listed.map((roomId) => {
      const decidedBySet = roomId !== GENERAL_ROOM_ID && !parsePrivateRoomId(roomId) && (!this.membership || !isMadeRoomId(roomId));
      return decidedBySet ? true : this.isMember(userId, roomId);
    }));
  }

  /**
   * isMember answering rooms people made from this instance's member cache, which may lag a change
   * made elsewhere: only for the message send path, whose store script checks the member set again
   * atomically with the write (and which asks isMember before refusing).
   */
  async isMemberCached(userId: number, roomId: string): Promise<boolean> {
    return this.decide(userId, roomId, true);
  }

  private async decide(userId: number, roomId: string, cached: boolean): Promise<boolean> {
    if (roomId === GENERAL_ROOM_ID) return true;
    const pair = parsePrivateRoomId(roomId);
    if (pair) {
      const [low, high] = pair;
      if (userId !== low && userId !== high) return false;
      return this.users.exists(userId === low ? high : low);
    }
    if (this.membership) return cached ? this.membership.isMemberCached(userId, roomId) : this.membership.isMember(userId, roomId);
    return (await this.redis.sIsMember(keys.userRooms(userId), roomId)) === 1;
  }

  /**
   * How to refuse a user who is not a member: 404 when the room does not exist (deleted, or never
   * made), 403 otherwise. Asked only on the refusal path, so read from Redis (a room deleted on
   * another instance may still be in this one's cache).
   */
  async refusalStatus(roomId: string): Promise<403 | 404> {
    if (roomId === GENERAL_ROOM_ID) return 403;
    const pair = parsePrivateRoomId(roomId);
    if (pair) return (await Promise.all(pair.map((id) => this.users.exists(id)))).every(Boolean) ? 403 : 404;
    return (await this.redis.exists(keys.roomName(roomId))) === 1 ? 403 : 404;
  }

  /** The members of a group conversation (rooms people make, issue 9), or null for any other room. */
  async groupMembers(roomId: string): Promise<number[] | null> {
    return this.membership ? this.membership.groupMembers(roomId) : null;
  }

  /** The user's rooms as the seed lists them: private rooms without messages are left out. */
  async listFor(userId: number): Promise<RoomSummary[]> {
    const ids = await this.redis.sMembers(keys.userRooms(userId));
    const rooms = await Promise.all(ids.map((id) => this.summary(id, true)));
    return rooms
      .filter((room): room is RoomSummary => room !== undefined)
      .sort((a, b) => (a.id === GENERAL_ROOM_ID ? -1 : b.id === GENERAL_ROOM_ID ? 1 : a.id.localeCompare(b.id)));
  }

  async summary(roomId: string, skipEmptyPrivate = false): Promise<RoomSummary | undefined> {
    if (!parsePrivateRoomId(roomId)) {
      const name = await this.redis.get(keys.roomName(roomId));
      return name === null ? undefined : { id: roomId, names: [name] };
    }
    const [hasMessages, room] = await Promise.all([
      skipEmptyPrivate ? this.redis.exists(keys.room(roomId)) : Promise.resolve(1),
      this.privateSummary(roomId),
    ]);
    return hasMessages ? room : undefined;
  }

  /**
   * `{id, names}` of a private room of two existing users, else undefined. Names come from the
   * users' name cache, so on the send path this costs no Redis call after the first time.
   */
  async privateSummary(roomId: string): Promise<RoomSummary | undefined> {
    const pair = parsePrivateRoomId(roomId);
    if (!pair) return undefined;
    const names = await this.users.usernames(pair);
    const low = names.get(pair[0]);
    const high = names.get(pair[1]);
    return low === undefined || high === undefined ? undefined : { id: roomId, names: [low, high] };
  }

  /** Creates (or returns) the private room of two existing users and records it for both. */
  async openPrivate(a: number, b: number): Promise<RoomSummary | undefined> {
    const roomId = privateRoomId(a, b);
    if (a === b) return undefined;
    await this.addPrivateMembers(roomId);
    return this.summary(roomId);
  }

  async addPrivateMembers(roomId: string): Promise<void> {
    const pair = parsePrivateRoomId(roomId);
    if (!pair) return;
    await Promise.all(pair.map((id) => this.redis.sAdd(keys.userRooms(id), roomId)));
  }

  async ensureGeneral(): Promise<void> {
    await this.redis.set(keys.roomName(GENERAL_ROOM_ID), GENERAL_ROOM_NAME, { condition: "NX" });
  }
}
