import { GENERAL_ROOM_ID } from "../../../protocol/index.js";
import type { Logger } from "../../logger.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { parseStoredMessage } from "../messages.js";
import { formatCursor, parseCursor, type SweepCursor } from "./cursor.js";
import type { SearchIndex, StoredEntry } from "./index.js";

/** Messages read and indexed per script call (reindex). */
const BATCH = 500;
/** The background sweep's pause between calls that found work: it yields Redis and the event loop to live traffic. */
const SWEEP_PAUSE_MS = 25;
/** Messages one tick reads at most, all rooms together: a busy system catches up over several ticks. */
const MESSAGES_PER_TICK = 5000;
/** Messages one room's read takes at most in a tick. */
const MESSAGES_PER_ROOM = 500;
/** Rooms one tick looks at, in turn (the next tick goes on from the next room). */
const ROOMS_PER_TICK = 1000;
/** Users whose room sets one tick reads to find rooms, in turn. */
const USERS_PER_TICK = 1000;
/** Rooms (or users) one script call reads on one Redis; on Cluster one room a call, on its slot. */
const PER_CALL = 64;
/**
 * How far before the time of a room's last read the next read starts: seed servers stamp messages
 * with their own clocks, so one written just after a read may carry a time a little before it.
 */
export const OVERLAP_SECONDS = 60;

/**
 * New entries of rooms since their cursors. KEYS: per room its history and its cursor
 * (`{room:id}:s:swept`, same slot). ARGV: entries per room, entries in all, then per room its
 * cursor as this instance last left it ('': read the key). Per room read, in
 * order (the rooms past the budget are not read): {cursor ('' none), entries scanned, last score
 * scanned ('' none), 1 when the history's end was reached, entries to index (member, score, ...)}.
 * A room's first pass keeps every entry; later passes only other servers' (ours carry their `id`
 * first and were indexed by the store script).
 */
const SWEEP_READ = new LuaScript(`
local per, budget = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for k = 1, #KEYS, 2 do
  if budget <= 0 then break end
  local cursor = ARGV[2 + (k + 1) / 2]
  if cursor == '' then cursor = redis.call('GET', KEYS[k + 1]) end
  local first = not cursor or string.sub(cursor, 1, 6) == 'first '
  local from = '-inf'
  if cursor then from = first and string.sub(cursor, 7) or cursor end
  local n = math.min(per, budget)
  local page = redis.call('ZRANGE', KEYS[k], from, '+inf', 'BYSCORE', 'LIMIT', 0, n, 'WITHSCORES')
  local scanned = #page / 2
  budget = budget - scanned
  local kept = {}
  for e = 1, #page, 2 do
    if first or string.sub(page[e], 1, 7) ~= '{"id":"' then
      kept[#kept + 1] = page[e]
      kept[#kept + 1] = page[e + 1]
    end
  end
  out[#out + 1] = { cursor or '', scanned, scanned > 0 and page[#page] or '', scanned < n and 1 or 0, kept }
end
return out
`);

/** The union of users' room sets. KEYS: `user:{id}:rooms` of each (one Redis only: they are in different slots). */
const ROOMS_OF_USERS = new LuaScript(`
local seen, out = {}, {}
for _, key in ipairs(KEYS) do
  for _, room in ipairs(redis.call('SMEMBERS', key)) do
    if not seen[room] then seen[room] = true; out[#out + 1] = room end
  end
end
return out
`);

type ReadReply = [string, number, string, number, string[]];

export interface SweepProgress {
  rooms: number;
  roomsDone: number;
  messages: number;
}

/**
 * Indexes messages the store script did not: those seed servers (and any other server sharing the
 * Redis) write, and history from before search (or from before the author postings) existed. The
 * background sweep, one instance at a time, keeps a cursor per room (`{room:id}:s:swept`,
 * cursor.ts) and reads only what came after it; each tick looks at a bounded number of rooms and
 * messages, in turn, so an idle system costs a few commands a tick and a busy one catches up over
 * ticks. `npm run search:reindex` reads everything. Indexing is idempotent, and a message edited or
 * deleted meanwhile is skipped (INDEX_STORED checks the exact member), so the sweep may overlap the
 * live index freely.
 */
export class SearchSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** Rooms found so far, in the order they are swept, and where the next tick starts. */
  private readonly known: string[] = [GENERAL_ROOM_ID];
  private readonly knownSet = new Set<string>([GENERAL_ROOM_ID]);
  private nextRoom = 0;
  /** The next user whose room set is read. */
  private nextUser = 1;
  /**
   * Cursors of rooms past their first pass, as this instance last left them: an idle room's read is
   * then its history's alone. One another instance has moved since is only further back (cursors
   * only move forwards): the read covers more, never less.
   */
  private readonly cursors = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly index: SearchIndex,
    private readonly serverId: string,
    private readonly log?: Logger,
    private readonly cluster = false,
  ) {}

  /** Every room with history: General and the rooms in every user's `user:{id}:rooms`. */
  async rooms(): Promise<string[]> {
    const total = Number((await this.redis.get(keys.totalUsers)) ?? 0);
    const rooms = new Set<string>([GENERAL_ROOM_ID]);
    for (let first = 1; first <= total; first += 500) {
      const ids = Array.from({ length: Math.min(500, total - first + 1) }, (_, i) => first + i);
      const sets = await Promise.all(ids.map((id) => this.redis.sMembers(keys.userRooms(id))));
      for (const set of sets) for (const room of set) rooms.add(room);
    }
    return [...rooms];
  }

  /** Indexes one room's messages scored `min` or later (ZRANGE BYSCORE syntax), all of them (reindex). */
  private async indexRoom(roomId: string, min: string, onBatch: (count: number) => void): Promise<void> {
    for (let offset = 0; ; offset += BATCH) {
      const page = await this.redis.zRangeWithScores(keys.room(roomId), min, "+inf", { BY: "SCORE", LIMIT: { offset, count: BATCH } });
      await this.index.indexStored(roomId, storedEntries(roomId, page));
      onBatch(page.length);
      if (page.length < BATCH) return;
    }
  }

  /** One tick: new entries of the next rooms in turn; returns how many were read. Skipped while another instance sweeps. */
  async sweepOnce(): Promise<number> {
    const lock = await this.redis.set(keys.searchSweepLock, this.serverId, { condition: "NX", expiration: { type: "PX", value: 600_000 } });
    if (lock !== "OK") return 0;
    try {
      await this.discoverRooms();
      let read = 0;
      let visited = 0;
      const rooms = Math.min(ROOMS_PER_TICK, this.known.length);
      while (visited < rooms && read < MESSAGES_PER_TICK) {
        const batch: string[] = [];
        for (let i = 0; i < (this.cluster ? 1 : PER_CALL) && visited + i < rooms; i++) batch.push(this.known[(this.nextRoom + i) % this.known.length]!);
        const at = Date.now() / 1000;
        const replies = (await SWEEP_READ.run(this.redis, batch.flatMap((id) => [keys.room(id), keys.searchSweepCursor(id)]), [
          MESSAGES_PER_ROOM, MESSAGES_PER_TICK - read, ...batch.map((id) => this.cursors.get(id) ?? ""),
        ])) as ReadReply[];
        let worked = false;
        for (const [i, reply] of replies.entries()) {
          read += Number(reply[1]);
          if (await this.advance(batch[i]!, reply, at)) worked = true;
        }
        visited += replies.length;
        this.nextRoom = (this.nextRoom + replies.length) % this.known.length;
        if (replies.length < batch.length) break;
        if (worked) await new Promise((resolve) => setTimeout(resolve, SWEEP_PAUSE_MS));
      }
      return read;
    } finally {
      await this.redis.del(keys.searchSweepLock);
    }
  }

  /** Indexes what one room's read kept and moves its cursor; returns whether there was anything to do. */
  private async advance(roomId: string, [stored, scanned, last, end, kept]: ReadReply, at: number): Promise<boolean> {
    const cursor = parseCursor(stored || undefined);
    if (cursor === undefined && Number(scanned) === 0) {
      // No history (yet, or any more): nothing to remember. A deleted room leaves the turn (a
      // room set that still names it brings it back).
      if (roomId !== GENERAL_ROOM_ID) this.forget(roomId);
      return false;
    }
    // Steady and nothing new: the cursor stays (the read from it was empty and stays valid).
    if (cursor && !cursor.first && Number(scanned) === 0) {
      this.cursors.set(roomId, stored);
      return false;
    }
    const page: { value: string; score: number }[] = [];
    for (let e = 0; e + 1 < kept.length; e += 2) page.push({ value: kept[e]!, score: Number(kept[e + 1]) });
    await this.index.indexStored(roomId, storedEntries(roomId, page));
    // At the end: the next read starts a little before now (a seed server's clock may be behind).
    // Cut by the budget: it goes on from the last score read (again, in case others share it),
    // never from a time ahead of now (a message stamped ahead would hide those written before it).
    const next: SweepCursor = Number(end) === 1
      ? { from: at - OVERLAP_SECONDS, first: false }
      : { from: Math.min(Number(last), at - OVERLAP_SECONDS), first: cursor?.first ?? true };
    await this.redis.set(keys.searchSweepCursor(roomId), formatCursor(next));
    if (next.first) this.cursors.delete(roomId);
    else this.cursors.set(roomId, formatCursor(next));
    return true;
  }

  /** Reads the next users' room sets, in turn, and adds the rooms not known yet. */
  private async discoverRooms(): Promise<void> {
    const total = Number((await this.redis.get(keys.totalUsers)) ?? 0);
    if (total <= 0) return;
    if (this.nextUser > total) this.nextUser = 1;
    const ids = Array.from({ length: Math.min(USERS_PER_TICK, total - this.nextUser + 1) }, (_, i) => this.nextUser + i);
    this.nextUser += ids.length;
    let found: string[];
    if (this.cluster) found = (await Promise.all(ids.map((id) => this.redis.sMembers(keys.userRooms(id))))).flat();
    else {
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < ids.length; i += PER_CALL * 4) calls.push(ROOMS_OF_USERS.run(this.redis, ids.slice(i, i + PER_CALL * 4).map(keys.userRooms), []));
      found = ((await Promise.all(calls)) as string[][]).flat();
    }
    for (const room of found) {
      if (!this.knownSet.has(room)) this.knownSet.add(room), this.known.push(room);
    }
  }

  private forget(roomId: string): void {
    const at = this.known.indexOf(roomId);
    if (at < 0) return;
    this.known.splice(at, 1);
    this.knownSet.delete(roomId);
    this.cursors.delete(roomId);
    if (at < this.nextRoom) this.nextRoom--;
  }

  /** Every message of every room, with progress (the reindex command). Leaves each room's cursor done. */
  async reindexAll(onProgress: (p: SweepProgress) => void): Promise<SweepProgress> {
    const rooms = await this.rooms();
    const progress: SweepProgress = { rooms: rooms.length, roomsDone: 0, messages: 0 };
    for (const roomId of rooms) {
      const at = Date.now() / 1000;
      await this.indexRoom(roomId, "-inf", (n) => {
        progress.messages += n;
        onProgress(progress);
      });
      // Every room listed gets its cursor, one without history too: from: then reads its (no)
      // postings rather than its history. (The sweep, whose room list may be older, writes none
      // for a room without history: a deleted room would keep it for ever.)
      await this.redis.set(keys.searchSweepCursor(roomId), formatCursor({ from: at - OVERLAP_SECONDS, first: false }));
      progress.roomsDone++;
      onProgress(progress);
    }
    return progress;
  }

  /** Sweeps now and then every `intervalMs` (0: only now). */
  start(intervalMs: number): void {
    if (!this.index.enabled) return;
    const run = () => {
      this.running ??= this.sweepOnce()
        .then((read) => read > 0 && this.log?.debug({ read }, "search sweep"))
        .catch((err: unknown) => this.log?.warn({ err }, "search sweep failed; retried on the next pass"))
        .finally(() => (this.running = undefined));
    };
    run();
    if (intervalMs > 0) this.timer = setInterval(run, intervalMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

/** The messages of a page of a room's history, as the index takes them (text, files, author). */
function storedEntries(roomId: string, page: { value: string; score: number }[]): StoredEntry[] {
  const entries: StoredEntry[] = [];
  for (const { value, score } of page) {
    const message = parseStoredMessage(value, score, roomId);
    if (!message) continue;
    const raw = JSON.parse(value) as { attachments?: unknown };
    entries.push({ member: value, id: message.id, message: { message: message.message, attachments: raw.attachments, from: message.from } });
  }
  return entries;
}
