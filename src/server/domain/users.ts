import { hash, verify } from "@node-rs/bcrypt";
import type { SessionUser, UserWithPresence } from "../../protocol/index.js";
import { scanKeys, type Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";
import { GENERAL_ROOM_ID } from "../../protocol/index.js";

/** bcrypt cost, as the seed; `$2b$` hashes that servers written to the seed can verify. */
export const BCRYPT_COST = 10;

export type LoginOutcome =
  | { status: "signed-in"; user: SessionUser }
  | { status: "registered"; user: SessionUser }
  | { status: "wrong-password" };

/** Users: `total_users`, `username:{name}` and the `user:{id}` hash, exactly as the seed. */
export class Users {
  /**
   * Users are never deleted nor renamed, so a name once read stays true: private sends, which need
   * both members' names, cost no lookup after the first.
   */
  private readonly names = new Map<number, string>();

  constructor(private readonly redis: Redis) {}

  async idByUsername(username: string): Promise<number | undefined> {
    const ref = await this.redis.get(keys.username(username));
    if (!ref) return undefined;
    const id = Number(ref.slice(ref.lastIndexOf(":") + 1));
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  }

  /**
   * The user a typed name means: the exact name (the seed's `username:{name}`), else a user whose
   * name differs only in case ("pablo" is Pablo), so nobody registers a look-alike of a name.
   */
  async findByName(username: string): Promise<number | undefined> {
    const exact = await this.idByUsername(username);
    if (exact !== undefined) return exact;
    const lower = username.toLowerCase();
    const [member] = await this.redis.zRange(keys.usernameIndex, `[${lower}:`, `[${lower}:\xff`, {
      BY: "LEX",
      LIMIT: { offset: 0, count: 1 },
    });
    const id = member ? Number(member.slice(member.lastIndexOf(":") + 1)) : NaN;
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  }

  /**
   * Signs in a known user or registers an unknown name. The hash (bcrypt) runs on libuv's thread
   * pool, off the event loop. A name typed in another case signs in to the existing account, under
   * its own spelling.
   */
  async login(username: string, password: string, minNewPasswordLength: number): Promise<LoginOutcome | { status: "password-too-short" }> {
    const existing = await this.findByName(username);
    if (existing !== undefined) return this.checkPassword(existing, password);
    if (password.length < minNewPasswordLength) return { status: "password-too-short" };
    const created = await this.create(username, password);
    if ("id" in created) return { status: "registered", user: created };
    // Lost the name to a concurrent registration (in any case): it is a sign-in to that account.
    const winner = created.taken ?? (await this.findByName(username));
    return winner === undefined ? { status: "wrong-password" } : this.checkPassword(winner, password);
  }

  private async checkPassword(id: number, password: string): Promise<LoginOutcome> {
    const [stored, username] = await this.redis.hmGet(keys.user(id), ["password", "username"]);
    if (!stored || !username || !(await verify(password, stored).catch(() => false))) return { status: "wrong-password" };
    this.names.set(id, username);
    return { status: "signed-in", user: { id, username } };
  }

  /**
   * Creates a user the seed's way (INCR total_users, HSET user:{id}, SET username:{name},
   * SADD user:{id}:rooms 0), behind a claim on the name in lower case (`usernames:claim:{lower}`,
   * SET NX: Redis decides atomically which of any number of concurrent sign-ups of "Casey",
   * "casey" and "CASEY" gets the name). The hash is written before the claim, so a claim always
   * points at a complete user. Returns `{taken: id}` when the name is someone else's (the id of
   * the account it belongs to, when known).
   */
  async create(username: string, password: string): Promise<SessionUser | { taken: number | undefined }> {
    const passwordHash = await hash(password, BCRYPT_COST);
    const id = await this.redis.incr(keys.totalUsers);
    await this.redis.hSet(keys.user(id), { username, password: passwordHash });
    const claimKey = keys.usernameClaim(username.toLowerCase());
    const claimed = await this.redis.set(claimKey, String(id), { condition: "NX" });
    // The seed's own name key, NX as well: a seed server may have registered this very spelling.
    const named = claimed === null ? null : await this.redis.set(keys.username(username), keys.user(id), { condition: "NX" });
    if (claimed === null || named === null) {
      await this.redis.del(keys.user(id));
      if (named === null && claimed !== null) await this.redis.del(claimKey);
      const owner = claimed === null ? Number(await this.redis.get(claimKey)) : await this.idByUsername(username);
      return { taken: Number.isSafeInteger(owner) && owner! > 0 ? owner : undefined };
    }
    await Promise.all([
      this.redis.sAdd(keys.userRooms(id), GENERAL_ROOM_ID),
      this.redis.zAdd(keys.usernameIndex, { score: 0, value: indexMember(username, id) }),
    ]);
    this.names.set(id, username);
    return { id, username };
  }

  async exists(id: number): Promise<boolean> {
    return (await this.usernames([id])).has(id);
  }

  /** The names of the users that exist, from the cache where it has them. */
  async usernames(ids: number[]): Promise<Map<number, string>> {
    const missing = ids.filter((id) => !this.names.has(id));
    if (missing.length > 0) {
      const fetched = await Promise.all(missing.map((id) => this.redis.hGet(keys.user(id), "username")));
      missing.forEach((id, i) => {
        const name = fetched[i];
        if (name) this.names.set(id, name);
      });
    }
    const out = new Map<number, string>();
    for (const id of ids) {
      const name = this.names.get(id);
      if (name !== undefined) out.set(id, name);
    }
    return out;
  }

  /** `{id: {id, username, online}}` for the ids that exist; unknown ids are left out. */
  async withPresence(ids: number[]): Promise<Record<string, UserWithPresence>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return {};
    const [names, online] = await Promise.all([
      this.usernames(unique),
      this.redis.smIsMember(keys.onlineUsers, unique.map(String)),
    ]);
    const out: Record<string, UserWithPresence> = {};
    unique.forEach((id, i) => {
      const username = names.get(id);
      if (username !== undefined) out[id] = { id, username, online: online[i] === 1 };
    });
    return out;
  }

  /**
   * Ids of users whose name starts with `prefix` (case-insensitive), from the name index: one
   * `ZRANGE ... BYLEX` however many users there are.
   */
  async search(prefix: string, limit: number): Promise<number[]> {
    const from = prefix.toLowerCase();
    const members = await this.redis.zRange(keys.usernameIndex, `[${from}`, `[${from}\xff`, {
      BY: "LEX",
      LIMIT: { offset: 0, count: limit },
    });
    return members.map((member) => Number(member.slice(member.lastIndexOf(":") + 1))).filter((id) => id > 0);
  }

  /**
   * Adds the given users to the name index (those that exist); returns the ids that do not exist
   * (yet: a seed server claims the id with INCR before it writes the user). For users other servers
   * register while we run, see users/name-index-sync.ts.
   */
  async indexNames(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const names = await this.usernames(ids);
    const members = [...names].map(([id, name]) => ({ score: 0, value: indexMember(name, id) }));
    if (members.length) await this.redis.zAdd(keys.usernameIndex, members);
    return ids.filter((id) => !names.has(id));
  }

  /**
   * Adds users the index lacks: those created before it existed, or by a server written to the
   * seed, which knows nothing of it. Runs at start; a full scan only when the counts differ.
   */
  async indexMissingNames(): Promise<number> {
    const [indexed, total] = await Promise.all([this.redis.zCard(keys.usernameIndex), this.redis.get(keys.totalUsers)]);
    if (indexed >= Number(total ?? 0)) return 0;
    let added = 0;
    for await (const batch of scanKeys(this.redis, "username:*")) {
      const refs = await Promise.all(batch.map((key) => this.redis.get(key)));
      const members = batch.flatMap((key, i) => {
        const id = refs[i] ? Number(refs[i]!.slice(refs[i]!.lastIndexOf(":") + 1)) : NaN;
        return Number.isSafeInteger(id) && id > 0 ? [{ score: 0, value: indexMember(key.slice("username:".length), id) }] : [];
      });
      if (members.length) added += await this.redis.zAdd(keys.usernameIndex, members);
    }
    return added;
  }
}

const indexMember = (username: string, id: number) => `${username.toLowerCase()}:${id}`;
