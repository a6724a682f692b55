import { randomBytes } from "node:crypto";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";

export interface InviteRecord {
  code: string;
  createdBy: number;
  createdAt: number;
  /** ms since the epoch. */
  expiresAt: number;
  /** null: any number of uses until it expires. */
  maxUses: number | null;
  uses: number;
}

/**
 * Takes one use of an invitation, atomically: two sign-ups racing for a single-use code cannot
 * both have it. KEYS: `invite:{code}`. ARGV: now (ms). Returns 1, or 0 when the code is unknown,
 * expired or used up.
 */
const REDEEM = new LuaScript(`
local invite = redis.call('HMGET', KEYS[1], 'expiresAt', 'maxUses', 'uses')
if not invite[1] then return 0 end
if tonumber(invite[1]) <= tonumber(ARGV[1]) then return 0 end
if invite[2] ~= '' and tonumber(invite[3]) >= tonumber(invite[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'uses', 1)
return 1
`);

/**
 * Invitations to register (`REGISTRATION=invite`): `invite:{code}` hashes that expire with the
 * invitation, listed in the sorted set `invites` (code -> expiry).
 */
export class Invites {
  constructor(private readonly redis: Redis) {}

  async create(createdBy: number, maxUses: number | null, expiresInMs: number): Promise<InviteRecord> {
    const code = randomBytes(12).toString("base64url");
    const createdAt = Date.now();
    const record: InviteRecord = { code, createdBy, createdAt, expiresAt: createdAt + expiresInMs, maxUses, uses: 0 };
    await this.redis.hSet(keys.invite(code), {
      createdBy: String(createdBy),
      createdAt: String(createdAt),
      expiresAt: String(record.expiresAt),
      maxUses: maxUses === null ? "" : String(maxUses),
      uses: "0",
    });
    await Promise.all([
      this.redis.pExpireAt(keys.invite(code), record.expiresAt),
      this.redis.zAdd(keys.invites, { score: record.expiresAt, value: code }),
    ]);
    return record;
  }

  /** Invitations that can still be used, soonest expiry first (expired ones are pruned). */
  async list(): Promise<InviteRecord[]> {
    await this.redis.zRemRangeByScore(keys.invites, "-inf", Date.now());
    const codes = await this.redis.zRange(keys.invites, 0, -1);
    const records = await Promise.all(codes.map((code) => this.get(code)));
    return records.filter((r): r is InviteRecord => r !== undefined && (r.maxUses === null || r.uses < r.maxUses));
  }

  async get(code: string): Promise<InviteRecord | undefined> {
    const h = await this.redis.hGetAll(keys.invite(code));
    if (!h.expiresAt) return undefined;
    return {
      code,
      createdBy: Number(h.createdBy),
      createdAt: Number(h.createdAt),
      expiresAt: Number(h.expiresAt),
      maxUses: h.maxUses ? Number(h.maxUses) : null,
      uses: Number(h.uses ?? 0),
    };
  }

  /** True when it existed. */
  async delete(code: string): Promise<boolean> {
    const [deleted] = await Promise.all([this.redis.del(keys.invite(code)), this.redis.zRem(keys.invites, code)]);
    return deleted === 1;
  }

  /** Takes one use; false when the code is unknown, expired or used up. */
  async redeem(code: string): Promise<boolean> {
    return (await REDEEM.run(this.redis, [keys.invite(code)], [Date.now()])) === 1;
  }

  /** Gives a use back (the account it was taken for was not created after all). */
  async refund(code: string): Promise<void> {
    if ((await this.redis.exists(keys.invite(code))) === 1) await this.redis.hIncrBy(keys.invite(code), "uses", -1);
  }
}
