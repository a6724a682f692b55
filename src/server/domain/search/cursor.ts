import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/**
 * How far the background sweep has indexed one room (`{room:id}:s:swept`), as a score of the
 * room's history (seconds): the next pass reads from it on (inclusive). `first` while the room's
 * first pass (every message, ours included) is under way; once it is done, later passes read only
 * what servers other than ours wrote (seed servers), and the room's index holds every message's
 * author.
 */
export interface SweepCursor {
  from: number;
  first: boolean;
}

export function parseCursor(value: string | null | undefined): SweepCursor | undefined {
  if (value == null) return undefined;
  const first = value.startsWith("first ");
  const from = Number(first ? value.slice(6) : value);
  return Number.isFinite(from) ? { from, first } : undefined;
}

export function formatCursor(cursor: SweepCursor): string {
  return cursor.first ? `first ${cursor.from}` : String(cursor.from);
}

/**
 * Which of the rooms have had their first pass, so that their index holds every message's author
 * (`from:` postings). Indexes written before the author postings existed lack them for older
 * messages until the sweep has passed once. A room once found so stays so (the key goes only with
 * the room): remembered per instance, only the others are asked, one GET each, on its slot.
 */
export class AuthorsIndexed {
  private readonly known = new Set<string>();

  constructor(private readonly redis: Redis) {}

  async of(roomIds: readonly string[]): Promise<Set<string>> {
    const unknown = roomIds.filter((id) => !this.known.has(id));
    const values = await Promise.all(unknown.map((id) => this.redis.get(keys.searchSweepCursor(id))));
    unknown.forEach((id, i) => {
      const cursor = parseCursor(values[i]);
      if (cursor && !cursor.first) this.known.add(id);
    });
    return new Set(roomIds.filter((id) => this.known.has(id)));
  }
}
