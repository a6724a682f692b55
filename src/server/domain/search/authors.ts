import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Users } from "../users.js";
import { foldText, words } from "./text.js";

/**
 * How long the names read from the name indexes are reused: a search is typed a letter at a time,
 * and a new display name need not be found by `from:` the same second.
 */
const NAMES_MAX_AGE_MS = 10_000;

interface NameEntry {
  id: number;
  /** The name's words, folded (text.ts): what a typed name is compared with. */
  terms: string[];
}

/**
 * Who `from:` means. A username (the exact one, else the one differing only in case: usernames
 * are unique regardless of case) is that person alone. Otherwise every person whose username or
 * display name holds the typed words in order, case and accents aside (`from:muller` and
 * `from:"anna müller"` are Anna Müller; `from:anna` is every Anna).
 */
export class SearchAuthors {
  private cached?: { at: number; entries: NameEntry[] };

  constructor(private readonly redis: Redis, private readonly users: Users) {}

  async resolve(typed: string): Promise<Set<number>> {
    const byUsername = await this.users.findByName(typed);
    if (byUsername !== undefined) return new Set([byUsername]);
    const wanted = words(typed).map((w) => w.term);
    if (wanted.length === 0) return new Set();
    const ids = new Set<number>();
    for (const entry of await this.names()) if (holdsRun(entry.terms, wanted)) ids.add(entry.id);
    return ids;
  }

  /** Every username and display name (both indexes hold `{lowercase name}:{id}`), folded into words. */
  private async names(now = Date.now()): Promise<NameEntry[]> {
    if (this.cached && now - this.cached.at < NAMES_MAX_AGE_MS) return this.cached.entries;
    const [usernames, displayNames] = await Promise.all([
      this.redis.zRange(keys.usernameIndex, 0, -1),
      this.redis.zRange(keys.displayNameIndex, 0, -1),
    ]);
    const entries: NameEntry[] = [];
    for (const member of [...usernames, ...displayNames]) {
      const colon = member.lastIndexOf(":");
      const id = Number(member.slice(colon + 1));
      if (colon <= 0 || !Number.isSafeInteger(id) || id <= 0) continue;
      entries.push({ id, terms: words(member.slice(0, colon)).map((w) => w.term) });
    }
    this.cached = { at: now, entries };
    return entries;
  }
}

/** Whether `run` appears in `terms` as consecutive words. */
function holdsRun(terms: string[], run: string[]): boolean {
  for (let i = 0; i + run.length <= terms.length; i++) {
    if (run.every((term, k) => terms[i + k] === term)) return true;
  }
  return false;
}

/** A room's name as `in:#name` compares it: case and accents aside. */
export const roomNameKey = (name: string) => foldText(name).trim();

/**
 * A room's name as a slug reads it (`in:#design-team` is "Design Team", as in Slack): hyphens,
 * underscores and dots are spaces, runs of them one. Compared only when no name matches exactly
 * (roomNameKey), so a room literally named "design-team" is the one `in:design-team` means.
 */
export const roomSlugKey = (name: string) => roomNameKey(name).replace(/[-_.\s]+/g, " ").trim();
