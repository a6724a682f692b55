import { BanDetails } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/** A ban's details as kept: BanDetails plus the id of the audit entry that recorded it. */
export type KeptBan = BanDetails & { entry?: string };

/**
 * Banned users: the set `users:banned` (ours). A banned user cannot sign in (403), is left out of
 * people search, and has every session and socket ended when the ban is made (see routes/moderation).
 * The ban in force is described in `users:banned:details` (when, by whom, why, its audit entry), so
 * administrators see it next to the person and the audit log knows which ban entry is still in force.
 */
export class Bans {
  constructor(private readonly redis: Redis) {}

  async isBanned(userId: number): Promise<boolean> {
    return (await this.redis.sIsMember(keys.bannedUsers, String(userId))) === 1;
  }

  /** True when the user was not banned before. */
  async ban(userId: number): Promise<boolean> {
    return (await this.redis.sAdd(keys.bannedUsers, String(userId))) === 1;
  }

  /** Records the details of the ban just made (after `ban` answered true). */
  async describe(userId: number, details: KeptBan): Promise<void> {
    await this.redis.hSet(keys.banDetails, String(userId), JSON.stringify(details));
  }

  /** True when the user was banned before. */
  async lift(userId: number): Promise<boolean> {
    const lifted = (await this.redis.sRem(keys.bannedUsers, String(userId))) === 1;
    await this.redis.hDel(keys.banDetails, String(userId));
    return lifted;
  }

  /** Which of the ids are banned now, with the details of each ban when they are known. */
  async inForce(ids: number[]): Promise<Map<number, KeptBan | null>> {
    const out = new Map<number, KeptBan | null>();
    if (ids.length === 0) return out;
    const [banned, details] = await Promise.all([
      this.redis.smIsMember(keys.bannedUsers, ids.map(String)),
      this.redis.hmGet(keys.banDetails, ids.map(String)),
    ]);
    ids.forEach((id, i) => {
      if (banned[i] !== 1) return;
      out.set(id, parseKept(details[i]));
    });
    return out;
  }

  /** For each id, whether it is banned now (one SMISMEMBER). */
  async flags(ids: number[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    return (await this.redis.smIsMember(keys.bannedUsers, ids.map(String))).map((n) => n === 1);
  }

  /** The ids that are not banned, in order (one SMISMEMBER). */
  async withoutBanned(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return ids;
    const banned = await this.redis.smIsMember(keys.bannedUsers, ids.map(String));
    return ids.filter((_, i) => banned[i] === 0);
  }
}

function parseKept(raw: string | null | undefined): KeptBan | null {
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as { entry?: unknown };
    const details = BanDetails.safeParse(value);
    if (!details.success) return null;
    return { ...details.data, ...(typeof value.entry === "string" ? { entry: value.entry } : {}) };
  } catch {
    return null;
  }
}
