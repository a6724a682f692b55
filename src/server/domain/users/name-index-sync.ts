import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Users } from "../users.js";

/** How many checks an id that `total_users` handed out may stay without a user before it is skipped. */
const MISSING_CHECKS = 3;
/** At most this many new ids are indexed per check (a burst of sign-ups is spread over checks). */
const MAX_PER_CHECK = 500;

/**
 * Keeps people search (`usernames:index`) complete while other servers register users: a server
 * written to the seed creates users (`INCR total_users`, `SET username:{name}`, `HSET user:{id}`)
 * without knowing the index. Ids only grow, so one `GET total_users` per check (the liveness loop,
 * every PRESENCE_HEARTBEAT_MS) tells whether anyone registered since; the new ids are then read
 * and indexed. A `user.connected` from another server for an id beyond what was indexed triggers
 * a check at once, so a seed user who signs up and connects is searchable within moments.
 */
export class NameIndexSync {
  /** Every id up to this one has been indexed (or given up on). */
  private indexedUpTo = 0;
  /** Ids handed out but without a user yet -> checks so far. */
  private readonly missing = new Map<number, number>();
  private running: Promise<number> | undefined;

  constructor(private readonly redis: Redis, private readonly users: Users) {}

  /** At start, after `Users.indexMissingNames`: everything up to the current `total_users` is indexed. */
  async start(): Promise<void> {
    this.indexedUpTo = Number((await this.redis.get(keys.totalUsers)) ?? 0);
  }

  /** A user id another server announced: check now if it is one not indexed yet. */
  noteUser(id: number): void {
    if (id > this.indexedUpTo) this.check().catch(() => {});
  }

  /** Indexes users registered since the last check; resolves to how many were added. One at a time. */
  check(): Promise<number> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<number> {
    const total = Number((await this.redis.get(keys.totalUsers)) ?? 0);
    const ids = [...this.missing.keys()];
    for (let id = this.indexedUpTo + 1; id <= total && ids.length < MAX_PER_CHECK; id++) ids.push(id);
    if (ids.length === 0) return 0;
    const absent = new Set(await this.users.indexNames(ids));
    this.indexedUpTo = Math.max(this.indexedUpTo, ...ids);
    for (const id of ids) {
      if (!absent.has(id)) this.missing.delete(id);
      else {
        const checks = (this.missing.get(id) ?? 0) + 1;
        if (checks >= MISSING_CHECKS) this.missing.delete(id);
        else this.missing.set(id, checks);
      }
    }
    return ids.length - absent.size;
  }
}
