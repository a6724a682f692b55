import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";

/** The name as compared: one open room per name, whatever its case. */
export const nameKey = (name: string) => name.normalize("NFC").trim().toLowerCase();

/**
 * How long a room's claim in progress (`{room:ID}:name-claiming`) protects its claim while its
 * name, meta and directory entry do not say it has that name yet. Far longer than a create or a
 * rename takes; a server that crashed half-way leaves a marker that lapses after it.
 */
const CLAIM_IN_PROGRESS_MS = 60_000;
/** Claim attempts before answering "taken" (each retry follows a claim that changed hands meanwhile). */
const CLAIM_ATTEMPTS = 4;

/** Replaces the claim (KEYS[1]) with ARGV[1] only if it is still held by ARGV[2]: one key, so Cluster-safe. */
const replaceHolder = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[2] then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`);

/** Gives the claim up only if it is still this room's (a rename elsewhere may have taken it since). */
const release = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/**
 * The names of open rooms people made, one room per name ignoring case (`rooms:name:{lowercase}` =
 * the room's id, claimed with SET NX: of two creates or renames at once, exactly one wins). Taken
 * when a room is created open, renamed or opened; given up when it is renamed, closed or deleted.
 * Seed rooms (General, rooms another server made) are not in it.
 *
 * A claim heals itself. Its holder keeps it while it is an open room of that name (`room:{id}:name`,
 * its meta, `rooms:directory`) or is still making that claim (`{room:ID}:name-claiming`, written
 * before the claim and removed by `settle` once the room's records say so). Otherwise the claim
 * is stale (a rename, close or delete that stopped half-way) and the next claimer takes it over
 * with a compare on the claim key alone, since the holder's keys are in other slots.
 */
export class RoomNames {
  constructor(private readonly redis: Redis) {}

  /**
   * Claims `name` for room `id`; false when another open room has it. Leaves the room's
   * claim-in-progress marker: call `settle(id)` once the room's records are written (or given up).
   */
  async claim(name: string, id: string): Promise<boolean> {
    const claimed = nameKey(name);
    const key = keys.roomNameClaim(claimed);
    await this.redis.set(keys.roomNameClaiming(id), claimed, { PX: CLAIM_IN_PROGRESS_MS });
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      if ((await this.redis.set(key, id, { condition: "NX" })) !== null) return true;
      const holder = await this.redis.get(key);
      if (holder === id) return true;
      if (holder === null) continue;
      if (await this.holds(holder, claimed)) return false;
      if ((await replaceHolder.run(this.redis, [key], [id, holder])) !== 1) continue;
      // The holder was seen stale before it may have begun claiming this name again (it found the
      // claim still its own): then it keeps it, and of the two exactly one (or neither) has it.
      if (await this.holds(holder, claimed)) {
        await replaceHolder.run(this.redis, [key], [holder, id]);
        return false;
      }
      return true;
    }
    return false;
  }

  /** The room's claim is settled: its records say so now (or it gave the claim up). */
  async settle(id: string): Promise<void> {
    await this.redis.del(keys.roomNameClaiming(id));
  }

  async release(name: string, id: string): Promise<void> {
    await release.run(this.redis, [keys.roomNameClaim(nameKey(name))], [id]);
  }

  /** The room holding the claim on `name` (any case), if any: check it still is an open room of that name. */
  async holder(name: string): Promise<string | null> {
    return this.redis.get(keys.roomNameClaim(nameKey(name)));
  }

  /** Whether room `holder` rightly has the claim on `claimed` (a lower-case name). */
  private async holds(holder: string, claimed: string): Promise<boolean> {
    const [claiming, name, [kind, visibility], listed] = await Promise.all([
      this.redis.get(keys.roomNameClaiming(holder)),
      this.redis.get(keys.roomName(holder)),
      this.redis.hmGet(keys.roomMeta(holder), ["kind", "visibility"]),
      this.redis.zScore(keys.roomDirectory, holder),
    ]);
    if (claiming === claimed) return true;
    return name !== null && nameKey(name) === claimed && kind === "room" && visibility === "open" && listed !== null;
  }
}
