import type { RoomKind, RoomVisibility } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Users } from "../users.js";
import type { Membership } from "./membership.js";
import type { SearchIndex } from "../search/index.js";
import { RoomRefusal } from "./changes.js";
import { nameKey, RoomNames } from "./room-names.js";

export const nameTaken = (name: string) => `An open room is already named “${name}”: choose another name, or join that one from Browse rooms`;

/** What a room people made holds besides the seed's keys (`{room:ID}:meta`). */
export interface RoomMeta {
  id: string;
  name: string;
  kind: Extract<RoomKind, "room" | "group">;
  visibility: RoomVisibility;
  topic: string;
  /** The creator's user id. */
  ownerId: number;
  /** ms since the epoch. */
  created: number;
}

export interface NewRoom {
  name: string;
  topic: string;
  visibility: RoomVisibility;
  ownerId: number;
  /** Every member, the owner included. */
  members: number[];
}

/** A group conversation is at least this many people. */
export const MIN_GROUP_MEMBERS = 3;
/** Directory entries read per step of a page, and at most per request when searching. */
const DIRECTORY_CHUNK = 200;
const DIRECTORY_MAX_SCAN = 5000;

/**
 * A directory score: the activity time in ms, times 1000, plus the room id's last three digits,
 * so rooms active in the same millisecond keep a fixed order (the newer id first). Exact in a
 * double until the year 2255.
 */
const activityScore = (atMs: number, roomId: string) => atMs * 1000 + (Number(roomId) % 1000);

/**
 * Rooms people make: named rooms (open or closed) and group conversations. Each gets an id from
 * `rooms:counter`, its name in the seed's `room:{id}:name`, its members in `user:{id}:rooms` (the
 * seed's) and `{room:ID}:members` (ours, see Membership), and the rest in `{room:ID}:meta`. Open
 * rooms are listed in `rooms:directory`; a group conversation is found again by its people in
 * `rooms:group:{ids}`.
 */
export class NamedRooms {
  /** One open room per name, ignoring case (409 otherwise). */
  private readonly names: RoomNames;

  constructor(
    private readonly redis: Redis,
    private readonly users: Users,
    private readonly membership: Membership,
    private readonly searchIndex?: SearchIndex,
  ) {
    this.names = new RoomNames(redis);
  }

  /** Creates a named room with its members; returns its id. An open room's name must be free (409). */
  async create(room: NewRoom, kind: RoomMeta["kind"] = "room"): Promise<string> {
    const id = await this.claimId(room.name);
    const claims = kind === "room" && room.visibility === "open";
    try {
      if (claims && !(await this.names.claim(room.name, id))) {
        await this.redis.del(keys.roomName(id));
        throw new RoomRefusal(409, nameTaken(room.name));
      }
      await this.redis.hSet(keys.roomMeta(id), {
        kind,
        visibility: room.visibility,
        topic: room.topic,
        owner: String(room.ownerId),
        created: String(Date.now()),
      });
      await this.membership.add(id, [...new Set(room.members)]);
      if (room.visibility === "open") await this.redis.zAdd(keys.roomDirectory, { score: activityScore(Date.now(), id), value: id });
    } finally {
      if (claims) await this.names.settle(id);
    }
    return id;
  }

  /**
   * The group conversation of exactly these people (ids, the creator among them): the existing one
   * (`created: false`) or a new closed room named by their names. Concurrent calls for the same
   * people get the same room (the group key is claimed with NX).
   */
  async openGroup(ownerId: number, memberIds: number[]): Promise<{ id: string; created: boolean }> {
    const members = [...new Set(memberIds)].sort((a, b) => a - b);
    const groupKey = keys.groupRoom(members);
    const existing = await this.redis.get(groupKey);
    if (existing && (await this.meta(existing))) return { id: existing, created: false };
    const name = await this.groupName(members);
    const id = await this.claimId(name);
    const claimed = await this.redis.set(groupKey, id, existing ? {} : { condition: "NX" });
    if (claimed === null) {
      // Someone opened the same group at the same moment: theirs it is; give our id back.
      await this.redis.del(keys.roomName(id));
      const winner = await this.redis.get(groupKey);
      if (winner) return { id: winner, created: false };
    }
    await this.redis.hSet(keys.roomMeta(id), {
      kind: "group",
      visibility: "closed",
      topic: "",
      owner: String(ownerId),
      created: String(Date.now()),
    });
    await this.membership.add(id, members);
    return { id, created: true };
  }

  /** The room's record, or undefined when it is not a room people made (or was deleted). */
  async meta(roomId: string): Promise<RoomMeta | undefined> {
    if (!/^[1-9]\d{0,15}$/.test(roomId)) return undefined;
    const [fields, name] = await Promise.all([this.redis.hGetAll(keys.roomMeta(roomId)), this.redis.get(keys.roomName(roomId))]);
    if (!fields.kind || name === null) return undefined;
    return {
      id: roomId,
      name,
      kind: fields.kind === "group" ? "group" : "room",
      visibility: fields.visibility === "closed" ? "closed" : "open",
      topic: fields.topic ?? "",
      ownerId: Number(fields.owner ?? 0),
      created: Number(fields.created ?? 0),
    };
  }

  /**
   * The open room named `name` (any case), as the directory shows it to anyone; undefined when no
   * open room has that name (closed rooms and groups are never found by name here).
   */
  async openRoomNamed(name: string): Promise<RoomMeta | undefined> {
    const holder = await this.names.holder(name);
    const meta = holder === null ? undefined : await this.meta(holder);
    return meta?.kind === "room" && meta.visibility === "open" && nameKey(meta.name) === nameKey(name) ? meta : undefined;
  }

  /** Several rooms' records at once (pipelined); missing ones are left out. */
  async metas(roomIds: string[]): Promise<Map<string, RoomMeta>> {
    const found = await Promise.all(roomIds.map((id) => this.meta(id)));
    return new Map(found.filter((m): m is RoomMeta => m !== undefined).map((m) => [m.id, m]));
  }

  /**
   * Renames, changes the topic or the visibility; returns the new record. A room that is open
   * afterwards claims its name first (409 when another open room has it); the old claim goes after.
   */
  async update(room: RoomMeta, change: { name?: string; topic?: string; visibility?: RoomVisibility }): Promise<RoomMeta> {
    const next = { ...room, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) } as RoomMeta;
    const wasClaimed = room.kind === "room" && room.visibility === "open";
    const claims = room.kind === "room" && next.visibility === "open";
    try {
      if (claims && !(await this.names.claim(next.name, room.id))) throw new RoomRefusal(409, nameTaken(next.name));
      if (wasClaimed && (!claims || nameKey(next.name) !== nameKey(room.name))) await this.names.release(room.name, room.id);
      const writes: Promise<unknown>[] = [];
      if (change.name !== undefined) writes.push(this.redis.set(keys.roomName(room.id), next.name));
      if (change.topic !== undefined || change.visibility !== undefined) {
        writes.push(this.redis.hSet(keys.roomMeta(room.id), { topic: next.topic, visibility: next.visibility }));
      }
      if (change.visibility === "open") writes.push(this.redis.zAdd(keys.roomDirectory, { score: activityScore(Date.now(), room.id), value: room.id }));
      if (change.visibility === "closed") writes.push(this.redis.zRem(keys.roomDirectory, room.id));
      await Promise.all(writes);
    } finally {
      if (claims) await this.names.settle(room.id);
    }
    return next;
  }

  /**
   * Deletes the room and its history: its keys, its place in every member's `user:{id}:rooms`
   * and read state, the directory and the group key. Returns the members it had.
   */
  async delete(room: RoomMeta): Promise<number[]> {
    const members = await this.membership.freshMembers(room.id);
    // The member set goes first: from here on every check refuses.
    await this.redis.del([
      keys.roomMembers(room.id), keys.roomMeta(room.id), keys.room(room.id), keys.roomReads(room.id),
      // What the message actions keep beside the history (one slot: the room's).
      keys.roomReactions(room.id), keys.roomChanges(room.id), keys.roomPreviews(room.id), keys.roomPins(room.id),
      keys.roomReplies(room.id), keys.roomNameClaiming(room.id),
    ]);
    this.membership.invalidate(room.id);
    await Promise.all([
      this.redis.del(keys.roomName(room.id)),
      this.names.release(room.name, room.id),
      this.redis.zRem(keys.roomDirectory, room.id),
      ...members.map((id) => this.redis.sRem(keys.userRooms(id), room.id)),
    ]);
    if (room.kind === "group") await this.dropGroupKey(room.id, members);
    // Its search index too (in batches: a big room's words are many keys).
    await this.searchIndex?.dropRoom(room.id);
    return members;
  }

  /**
   * After a group conversation's members changed: it now belongs to the new set of people (if
   * that set has no group yet), and its name follows its members.
   */
  async regroup(room: RoomMeta, before: number[], after: number[]): Promise<string> {
    await this.dropGroupKey(room.id, before);
    const sorted = [...after].sort((a, b) => a - b);
    if (sorted.length >= MIN_GROUP_MEMBERS) await this.redis.set(keys.groupRoom(sorted), room.id, { condition: "NX" });
    const name = await this.groupName(sorted);
    await this.redis.set(keys.roomName(room.id), name);
    return name;
  }

  /**
   * One page of the directory's room ids, newest activity first (`rooms:directory` scores are the
   * last activity, ms), whose name or topic contains `q` (any case) when given. The cursor is
   * `{score}:{n}`: continue below that score, after the `n` rooms already listed with exactly it.
   * A search reads names and topics a chunk at a time (one pipelined round per chunk) and stops after
   * DIRECTORY_MAX_SCAN rooms, answering a cursor to go on from there.
   */
  async directoryPage(options: { q?: string; cursor?: string; limit: number }): Promise<{ ids: string[]; nextCursor?: string }> {
    const needle = options.q?.trim().toLowerCase() || undefined;
    const parsed = /^(\d+(?:\.\d+)?):(\d+)$/.exec(options.cursor ?? "");
    let score = parsed ? Number(parsed[1]) : Number.POSITIVE_INFINITY;
    let skip = parsed ? Number(parsed[2]) : 0;
    const ids: string[] = [];
    let scanned = 0;
    while (ids.length < options.limit && scanned < DIRECTORY_MAX_SCAN) {
      const chunk = await this.redis.zRangeWithScores(keys.roomDirectory, score === Number.POSITIVE_INFINITY ? "+inf" : score, "-inf", {
        BY: "SCORE", REV: true, LIMIT: { offset: skip, count: DIRECTORY_CHUNK },
      });
      if (chunk.length === 0) return { ids };
      // Name or topic, as the web client filters what it has (a topic word typed found the room
      // until the server's answer, for names alone, replaced the list).
      const texts = needle ? await Promise.all(chunk.map((entry) => Promise.all([
        this.redis.get(keys.roomName(entry.value)), this.redis.hGet(keys.roomMeta(entry.value), "topic"),
      ]))) : [];
      for (const [i, entry] of chunk.entries()) {
        if (entry.score === score) skip++;
        else [score, skip] = [entry.score, 1];
        scanned++;
        if (!needle || texts[i]!.some((text) => text?.toLowerCase().includes(needle))) ids.push(entry.value);
        if (ids.length === options.limit) break;
      }
      if (chunk.length < DIRECTORY_CHUNK && ids.length < options.limit) return { ids };
    }
    return { ids, nextCursor: `${score}:${skip}` };
  }

  /**
   * At start: open rooms made before names were claimed claim theirs (the first listed keeps a
   * name two of them share), and a claim left stale by a rename or close that stopped half-way is
   * taken back by the open room that has the name. Returns how many claims were made.
   */
  async claimOpenNames(): Promise<number> {
    let claimed = 0;
    const ids = await this.redis.zRange(keys.roomDirectory, 0, -1);
    for (const meta of (await this.metas(ids)).values()) {
      if (meta.kind !== "room") continue;
      const key = keys.roomNameClaim(nameKey(meta.name));
      if ((await this.redis.set(key, meta.id, { condition: "NX" })) !== null) {
        claimed++;
        continue;
      }
      // Held: by this room (the usual case), by another that rightly has the name, or stale.
      if ((await this.redis.get(key)) === meta.id) continue;
      if (await this.names.claim(meta.name, meta.id)) claimed++;
      await this.names.settle(meta.id);
    }
    return claimed;
  }

  /**
   * Moves an open room up the directory to `atMs` (its newest message): `ZADD XX GT`, so a closed
   * room is not added and an older time never wins. Called off the send path (directory-activity.ts).
   */
  async touchActivity(roomId: string, atMs: number): Promise<void> {
    await this.redis.zAdd(keys.roomDirectory, { score: activityScore(atMs, roomId), value: roomId }, { condition: "XX", comparison: "GT" });
  }

  /** A group's display name: its members' names, alphabetically, joined with ", ". */
  async groupName(memberIds: number[]): Promise<string> {
    const names = await this.users.usernames(memberIds);
    return [...names.values()].sort((a, b) => a.localeCompare(b)).join(", ");
  }

  private async dropGroupKey(roomId: string, members: number[]): Promise<void> {
    const key = keys.groupRoom([...members].sort((a, b) => a - b));
    if ((await this.redis.get(key)) === roomId) await this.redis.del(key);
  }

  /**
   * The next free id: `INCR rooms:counter`, skipping any id whose `room:{id}:name` already exists
   * (a server written to the seed may have named rooms of its own). The name is written with NX.
   */
  private async claimId(name: string): Promise<string> {
    for (;;) {
      const id = String(await this.redis.incr(keys.roomCounter));
      const claimed = await this.redis.set(keys.roomName(id), name, { condition: "NX" });
      if (claimed !== null) return id;
    }
  }
}
