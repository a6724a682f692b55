import { extractMentions } from "../../../protocol/index.js";
import type { Rooms } from "../rooms.js";
import type { Users } from "../users.js";

const NAME_CACHE_SIZE = 10_000;

/**
 * Which members of a room a text mentions, as user ids (the `mentions` field of a stored message).
 * Names come from the shared parser (protocol/mentions.ts); each is resolved like a sign-in name
 * (exact, else differing only in case), and kept only when that user is a member of the room
 * (Rooms.isMember: General is everyone, a private room its two, other rooms their member sets).
 * A text without `@` costs nothing; otherwise the lookups run in parallel, at most
 * MAX_MENTIONS_PER_MESSAGE of them.
 */
export class Mentions {
  /**
   * name as typed -> user id, for names that resolved: users are never renamed nor deleted, so a
   * resolved name stays true and a mention of a regular costs no lookup. Unresolved names are not
   * kept (they may be registered later). Bounded: cleared when full.
   */
  private readonly ids = new Map<string, number>();

  constructor(private readonly users: Users, private readonly rooms: Rooms) {}

  async resolve(roomId: string, text: string): Promise<number[]> {
    if (!text.includes("@")) return [];
    const names = extractMentions(text);
    if (names.length === 0) return [];
    const ids = await Promise.all(names.map((name) => this.idOf(name)));
    const candidates = [...new Set(ids.filter((id): id is number => id !== undefined))];
    const members = await this.membersAmong(roomId, candidates);
    return candidates.filter((id) => members.has(id));
  }

  private async idOf(name: string): Promise<number | undefined> {
    const cached = this.ids.get(name);
    if (cached !== undefined) return cached;
    const id = await this.users.findByName(name);
    if (id !== undefined) {
      if (this.ids.size >= NAME_CACHE_SIZE) this.ids.clear();
      this.ids.set(name, id);
    }
    return id;
  }

  /** The seam for room membership: those of `userIds` who are members of the room. */
  async membersAmong(roomId: string, userIds: number[]): Promise<Set<number>> {
    const checks = await Promise.all(userIds.map((id) => this.rooms.isMember(id, roomId)));
    return new Set(userIds.filter((_, i) => checks[i]));
  }
}
