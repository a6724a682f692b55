import type { AdminUsersPage, PeoplePage, Role } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Users } from "../users.js";
import type { Profiles, ProfileWithBan } from "./profiles.js";

/** Most name-index entries one request reads while skipping filtered-out people: the work stays bounded. */
const MAX_SCANNED = 2000;
/** Most search hits (by name and by display name, each) a search considers. */
const MAX_MATCHES = 500;

const byName = (a: ProfileWithBan, b: ProfileWithBan) => a.username.toLowerCase().localeCompare(b.username.toLowerCase());
const onlineFirst = (a: ProfileWithBan, b: ProfileWithBan) => Number(b.online) - Number(a.online) || byName(a, b);
const active = (p: ProfileWithBan) => !p.deactivated && !p.banned && p.role !== "bot";
const strip = ({ banned: _banned, ...profile }: ProfileWithBan) => profile;

/**
 * The people directory and the administrators' account list (issue 18): everyone, whether or not
 * they have posted, paged by an opaque cursor.
 * - A search (`q`) matches the start of the username (`usernames:index`) or of the display name
 *   (`displaynames:index`), at most MAX_MATCHES of each; cursor `q:{offset}`.
 * - Without one, the people directory lists who is online (`o:{offset}`), then everyone else in
 *   name order from the name index (`n:{last index member}`); the account list is name order only.
 */
export class Directory {
  constructor(private readonly redis: Redis, private readonly users: Users, private readonly profiles: Profiles) {}

  async people(query: { q: string; cursor?: string; limit: number }): Promise<PeoplePage> {
    const { q, cursor, limit } = query;
    if (q) {
      const { items, next } = await this.searchPage(q, cursor, limit, active, onlineFirst);
      return { people: items.map(strip), nextCursor: next };
    }
    const people: ProfileWithBan[] = [];
    let after: string | undefined;
    // One reading of who is online splits the two parts: someone signing in or out while the page
    // is read falls in exactly one of them (judged by each profile's own later reading, they could
    // fall in neither, or in both).
    const onlineIds = (await this.redis.sMembers(keys.onlineUsers)).map(Number).filter((id) => Number.isSafeInteger(id) && id > 0);
    const listedOnline = new Set(onlineIds);
    if (!cursor || cursor.startsWith("o:")) {
      const offset = cursor ? offsetOf(cursor) : 0;
      const online = (await this.profiles.many(onlineIds)).filter(active).sort(byName);
      people.push(...online.slice(offset, offset + limit));
      if (offset + limit < online.length) return { people: people.map(strip), nextCursor: `o:${offset + limit}` };
    } else if (cursor.startsWith("n:")) {
      after = cursor.slice(2);
    }
    const rest = await this.scan(after, limit - people.length, (p) => active(p) && !listedOnline.has(p.id));
    people.push(...rest.items);
    return { people: people.map(strip), nextCursor: rest.next === undefined ? null : `n:${rest.next}` };
  }

  async accounts(query: { q: string; role?: Role; state?: "active" | "deactivated" | "banned"; cursor?: string; limit: number }): Promise<AdminUsersPage> {
    const keep = (p: ProfileWithBan) =>
      (query.role === undefined || p.role === query.role) &&
      (query.state === undefined ||
        (query.state === "deactivated" ? p.deactivated : query.state === "banned" ? p.banned : !p.deactivated && !p.banned));
    if (query.q) {
      const { items, next } = await this.searchPage(query.q, query.cursor, query.limit, keep, byName);
      return { users: items, nextCursor: next };
    }
    const after = query.cursor?.startsWith("n:") ? query.cursor.slice(2) : undefined;
    const page = await this.scan(after, query.limit, keep);
    return { users: page.items, nextCursor: page.next === undefined ? null : `n:${page.next}` };
  }

  /** Administrators who can act (not deactivated, not banned): reads every account, for the rare "last administrator?" check. */
  async activeAdminCount(): Promise<number> {
    let count = 0;
    let last: string | undefined;
    for (;;) {
      const members = await this.redis.zRange(keys.usernameIndex, last ? `(${last}` : "-", "+", { BY: "LEX", LIMIT: { offset: 0, count: 500 } });
      if (members.length === 0) return count;
      last = members.at(-1);
      const profiles = await this.profiles.many(members.map((m) => Number(m.slice(m.lastIndexOf(":") + 1))));
      count += profiles.filter((p) => p.role === "admin" && !p.deactivated && !p.banned).length;
    }
  }

  private async searchPage(
    q: string,
    cursor: string | undefined,
    limit: number,
    keep: (p: ProfileWithBan) => boolean,
    order: (a: ProfileWithBan, b: ProfileWithBan) => number,
  ): Promise<{ items: ProfileWithBan[]; next: string | null }> {
    const [byUsername, byDisplayName] = await Promise.all([this.users.search(q, MAX_MATCHES), this.profiles.searchDisplayNames(q, MAX_MATCHES)]);
    const ids = [...new Set([...byUsername, ...byDisplayName])];
    const all = (await this.profiles.many(ids)).filter(keep).sort(order);
    const offset = cursor?.startsWith("q:") ? offsetOf(cursor) : 0;
    return { items: all.slice(offset, offset + limit), next: offset + limit < all.length ? `q:${offset + limit}` : null };
  }

  /**
   * Up to `limit` profiles that `keep` accepts, in name-index order after the member `after`;
   * `next` is the last index member examined, undefined once the index is exhausted.
   */
  private async scan(after: string | undefined, limit: number, keep: (p: ProfileWithBan) => boolean): Promise<{ items: ProfileWithBan[]; next: string | undefined }> {
    const items: ProfileWithBan[] = [];
    let scanned = 0;
    let last = after;
    while (items.length < limit && scanned < MAX_SCANNED) {
      const batch = Math.max(limit - items.length, 20);
      const members = await this.redis.zRange(keys.usernameIndex, last ? `(${last}` : "-", "+", { BY: "LEX", LIMIT: { offset: 0, count: batch } });
      if (members.length === 0) return { items, next: undefined };
      scanned += members.length;
      const ids = members.map((m) => Number(m.slice(m.lastIndexOf(":") + 1)));
      const profiles = new Map((await this.profiles.many(ids)).map((p) => [p.id, p]));
      for (const [i, member] of members.entries()) {
        const profile = profiles.get(ids[i]!);
        last = member;
        if (profile && keep(profile)) items.push(profile);
        if (items.length === limit) break;
      }
      if (members.length < batch && items.length < limit) return { items, next: undefined };
    }
    return { items, next: last };
  }
}

function offsetOf(cursor: string): number {
  const n = Number(cursor.slice(2));
  return Number.isSafeInteger(n) && n >= 0 ? Math.min(n, 100_000) : 0;
}
