import { compareMessageIds, type ChatMessage } from "../../protocol/index.js";

/** Messages per catch-up page (`GET /room/:id/messages?after=&size=`). */
export const CATCH_UP_SIZE = 100;
/** The cursor of a room nothing was heard of yet (it was empty when loaded): its whole history. */
export const FROM_THE_START = "0";

/** How far ahead of this device's clock an id may be dated and still be a catch-up cursor. */
const FUTURE_SLACK_S = 600;

/** Wait before retrying after the n-th failure in a row (n ≥ 1): 0.5 s doubling to 30 s, ±25 %. */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(500 * 2 ** Math.max(0, failures - 1), 30_000);
  return Math.round(base * (0.75 + random() * 0.5));
}

/**
 * Where each room's catch-up stands (issue 14): the rooms not known to be complete, each with the
 * id up to which everything is held. A connection's live delivery is complete and in stored order
 * from its start (the server joins every room before the client hears it is connected), so:
 * - when a connection breaks, each room enters with the newest id heard through its stream (live,
 *   catch-up or history pages; never an own message's acknowledgement, which can overtake others'
 *   messages still on their way), unless it is already listed: a room whose catch-up was still
 *   running keeps that catch-up's cursor, since a live message newer than it is past a hole;
 * - a catch-up on a later connection moves the cursor page by page, and the room leaves once it
 *   reaches the end;
 * - a break or a new round (a connection, a resync) stops the catch-ups still running (they would
 *   mark a room complete after live delivery stopped); the next round resumes from the cursors.
 */
export class CatchUpCursors {
  private readonly heard = new Map<string, string>();
  private readonly pending = new Map<string, string>();
  private round = 0;

  /** `nowMs`: this device's clock, to leave out ids dated far ahead (see heardOf). */
  constructor(private readonly nowMs: () => number = Date.now) {}

  /**
   * Ids that came through a room's stream. An id dated more than FUTURE_SLACK_S ahead (a seed
   * client may send any date; ours stay truthful and sort before it) is not a cursor: catching up
   * after it would skip everything said after it in real time.
   */
  heardOf(roomId: string, messages: readonly ChatMessage[]): void {
    let newest = this.heard.get(roomId);
    const latest = String(Math.floor(this.nowMs() / 1000) + FUTURE_SLACK_S);
    for (const m of messages) {
      if (compareMessageIds(m.id, `${latest}000000`) > 0) continue;
      if (newest === undefined || compareMessageIds(m.id, newest) > 0) newest = m.id;
    }
    if (newest !== undefined) this.heard.set(roomId, newest);
  }

  /** The connection broke (or is about to start): the given rooms not listed yet enter at what was heard. */
  broke(roomIds: Iterable<string>): void {
    this.round++;
    for (const roomId of roomIds) if (!this.pending.has(roomId)) this.pending.set(roomId, this.heard.get(roomId) ?? FROM_THE_START);
  }

  /** Catch `roomId` up from `from` as well (a resync): the earlier of both cursors is kept. */
  rewind(roomId: string, from: string): void {
    const cursor = this.pending.get(roomId);
    if (cursor === undefined || compareMessageIds(from, cursor) < 0) this.pending.set(roomId, from);
  }

  /** A room left or removed: nothing more to fetch there. */
  forget(roomId: string): void {
    this.pending.delete(roomId);
    this.heard.delete(roomId);
  }

  /** Starts a round: the rooms to catch up with their cursors, and whether the round is still current. */
  begin(): { rooms: [string, string][]; current: () => boolean } {
    const round = ++this.round;
    return { rooms: [...this.pending], current: () => round === this.round };
  }

  /** Whether the round going on now is still current (for a room added to it, see rewind). */
  currentRound(): () => boolean {
    const round = this.round;
    return () => round === this.round;
  }

  cursor(roomId: string): string | undefined {
    return this.pending.get(roomId);
  }

  /** A page of the current round arrived: everything up to `id` is held. */
  advanced(roomId: string, id: string): void {
    if (this.pending.has(roomId)) this.pending.set(roomId, id);
  }

  completed(roomId: string): void {
    this.pending.delete(roomId);
  }
}

export interface CatchUpDeps {
  cursors: CatchUpCursors;
  /** One page after `after`, oldest first. */
  fetchAfter(roomId: string, after: string): Promise<ChatMessage[]>;
  /** A page arrived (all of it: a page may repeat held messages of the cursor's second). */
  arrived(roomId: string, page: ChatMessage[]): void;
  /** Whether to try again after this error (a network error, 5xx, 429); otherwise `gaveUp`. */
  retryable(error: unknown): boolean;
  gaveUp(roomId: string, error: unknown): void;
  sleep(ms: number): Promise<void>;
  random?: () => number;
}

/**
 * Catches one room up from its cursor, page by page, while the round is current. A failed page is
 * retried with backoff (reset by every success) until it succeeds, so a catch-up that meets a fault
 * never leaves a hole until a reload. Each page moves the cursor past the newest id it returned
 * that is after the cursor, so a page full of one second (seed messages share a score) never spins.
 */
export async function catchUpRoom(roomId: string, current: () => boolean, deps: CatchUpDeps): Promise<void> {
  let failures = 0;
  while (current()) {
    const after = deps.cursors.cursor(roomId);
    if (after === undefined) return;
    let page: ChatMessage[];
    try {
      page = await deps.fetchAfter(roomId, after);
    } catch (error) {
      if (!current()) return;
      if (!deps.retryable(error)) {
        deps.cursors.completed(roomId);
        deps.gaveUp(roomId, error);
        return;
      }
      await deps.sleep(backoffMs(++failures, deps.random));
      continue;
    }
    failures = 0;
    if (!current()) return;
    deps.cursors.heardOf(roomId, page);
    deps.arrived(roomId, page);
    let newest: string | undefined;
    let fresh = 0;
    for (const m of page) {
      if (compareMessageIds(m.id, after) <= 0) continue;
      fresh++;
      if (newest === undefined || compareMessageIds(m.id, newest) > 0) newest = m.id;
    }
    if (newest !== undefined) deps.cursors.advanced(roomId, newest);
    if (fresh < CATCH_UP_SIZE) {
      deps.cursors.completed(roomId);
      return;
    }
  }
}
