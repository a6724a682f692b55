import { GENERAL_ROOM_ID } from "../../../protocol/index.js";
import type { Logger } from "../../logger.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { parseStoredMessage } from "../messages.js";
import type { SearchIndex, StoredEntry } from "./index.js";

/** Messages read and indexed per script call. */
const BATCH = 500;
/** The background sweep's pause between batches: it yields Redis and the event loop to live traffic. */
const SWEEP_PAUSE_MS = 25;
/** How far before its last mark the sweep looks again: seed servers stamp messages with their own clocks. */
const CLOCK_MARGIN_SECONDS = 300;

export interface SweepProgress {
  rooms: number;
  roomsDone: number;
  messages: number;
}

/**
 * Indexes messages the store script did not: those seed servers (and any other server sharing the
 * Redis) write, and history from before search existed. The background sweep reads each room from
 * its mark (`search:swept`) on, one instance at a time; `npm run search:reindex` reads everything.
 * Indexing is idempotent, and a message edited or deleted meanwhile is skipped (INDEX_STORED checks
 * the exact member), so the sweep may overlap the live index freely.
 */
export class SearchSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly index: SearchIndex,
    private readonly serverId: string,
    private readonly log?: Logger,
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

  /** Indexes one room's messages scored `min` or later (ZRANGE BYSCORE syntax); returns the newest score read. */
  async indexRoom(roomId: string, min: string, onBatch?: (count: number) => void, pauseMs = 0, onlyForeign = false): Promise<number | undefined> {
    let newest: number | undefined;
    for (let offset = 0; ; offset += BATCH) {
      const page = await this.redis.zRangeWithScores(keys.room(roomId), min, "+inf", { BY: "SCORE", LIMIT: { offset, count: BATCH } });
      const entries: StoredEntry[] = [];
      for (const { value, score } of page) {
        newest = score;
        // Ours carry their id ("id":"…" cannot occur unescaped inside a JSON string) and were indexed
        // by the store script; re-indexing them every pass cost the margin's whole traffic again.
        if (onlyForeign && value.includes('"id":"')) continue;
        const message = parseStoredMessage(value, score, roomId);
        if (!message) continue;
        const raw = JSON.parse(value) as { attachments?: unknown };
        entries.push({ member: value, id: message.id, message: { message: message.message, attachments: raw.attachments } });
      }
      await this.index.indexStored(roomId, entries);
      onBatch?.(page.length);
      if (page.length < BATCH) return newest;
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  /** One pass over every room from its mark; returns how many messages were read. Skipped while another instance sweeps. */
  async sweepOnce(): Promise<number> {
    const lock = await this.redis.set(keys.searchSweepLock, this.serverId, { condition: "NX", expiration: { type: "PX", value: 600_000 } });
    if (lock !== "OK") return 0;
    let read = 0;
    try {
      for (const roomId of await this.rooms()) {
        const mark = await this.redis.hGet(keys.searchSwept, roomId);
        const min = mark === null ? "-inf" : String(Math.max(0, Number(mark) - CLOCK_MARGIN_SECONDS));
        // A room's first pass indexes all its history (from before search); later ones only what
        // servers other than ours wrote (seed servers), which the store script never saw.
        const newest = await this.indexRoom(roomId, min, (n) => (read += n), SWEEP_PAUSE_MS, mark !== null);
        // Never a mark in the future: a message stamped ahead of time would hide what comes before it.
        if (newest !== undefined) await this.redis.hSet(keys.searchSwept, roomId, String(Math.min(newest, Date.now() / 1000)));
        // An empty room has had its first pass too: what comes next is ours (indexed when stored) or
        // a seed server's, which the margin before the mark still finds.
        else if (mark === null) await this.redis.hSet(keys.searchSwept, roomId, String(Date.now() / 1000));
      }
    } finally {
      await this.redis.del(keys.searchSweepLock);
    }
    return read;
  }

  /** Every message of every room, with progress (the reindex command). */
  async reindexAll(onProgress: (p: SweepProgress) => void): Promise<SweepProgress> {
    const rooms = await this.rooms();
    const progress: SweepProgress = { rooms: rooms.length, roomsDone: 0, messages: 0 };
    for (const roomId of rooms) {
      const newest = await this.indexRoom(roomId, "-inf", (n) => {
        progress.messages += n;
        onProgress(progress);
      });
      if (newest !== undefined) await this.redis.hSet(keys.searchSwept, roomId, String(Math.min(newest, Date.now() / 1000)));
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
