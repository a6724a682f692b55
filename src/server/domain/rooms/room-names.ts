import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";

/** The name as compared: one open room per name, whatever its case. */
export const nameKey = (name: string) => name.normalize("NFC").trim().toLowerCase();

/** Takes the claim from a holder found stale (ARGV[2]), only if it is still that holder. */
const takeOver = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[2] then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`);

/** Gives the claim up only if it is still this room's (a rename elsewhere may have taken it since). */
const release = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/**
 * The names of open rooms people made, one room per name ignoring case (`rooms:name:{lowercase}` =
 * the room's id, claimed with SET NX: of two creates or renames at once, exactly one wins). Taken
 * when a room is created open, renamed or opened; given up when it is renamed, closed or deleted.
 * Seed rooms (General, rooms another server made) are not in it. A claim whose room is gone
 * (`room:{id}:name` deleted: a deletion that stopped half-way) is stale and taken over; a room
 * that exists keeps its claim, even mid-create or mid-rename, so two racing claims never both win.
 */
export class RoomNames {
  constructor(private readonly redis: Redis) {}

  /** Claims `name` for room `id`; false when another open room has it. */
  async claim(name: string, id: string): Promise<boolean> {
    const key = keys.roomNameClaim(nameKey(name));
    if ((await this.redis.set(key, id, { condition: "NX" })) !== null) return true;
    const holder = await this.redis.get(key);
    if (holder === id) return true;
    if (holder === null) return this.claim(name, id);
    if ((await this.redis.exists(keys.roomName(holder))) === 1) return false;
    return (await takeOver.run(this.redis, [key], [id, holder])) === 1;
  }

  async release(name: string, id: string): Promise<void> {
    await release.run(this.redis, [keys.roomNameClaim(nameKey(name))], [id]);
  }
}
