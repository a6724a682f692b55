import { avatarUrl, Role, type Profile, type ProfilePatch } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Deactivations } from "./deactivation.js";

/** Profile fields: extra fields of the seed's `user:{id}` hash (seed servers ignore them). */
const FIELDS = ["username", "displayName", "title", "status", "statusExpiresAt", "timeZone", "role", "avatar"] as const;

export type ProfileWithBan = Profile & { banned: boolean };

/**
 * People's profiles (issue 18): display name, title, status with an optional expiry, time zone.
 * The username stays the sign-in name and the `@mention`. Display names are indexed in
 * `displaynames:index` (`{lowercase}:{id}`, ZRANGE BYLEX) for the directory's search.
 */
export class Profiles {
  constructor(private readonly redis: Redis, private readonly deactivations: Deactivations) {}

  /** The profiles of the ids that exist, in order (unknown ids are left out). */
  async many(ids: number[], now = Date.now()): Promise<ProfileWithBan[]> {
    if (ids.length === 0) return [];
    const [rows, online, deactivated, banned] = await Promise.all([
      Promise.all(ids.map((id) => this.redis.hmGet(keys.user(id), [...FIELDS]))),
      this.redis.smIsMember(keys.onlineUsers, ids.map(String)),
      this.deactivations.flags(ids),
      this.redis.smIsMember(keys.bannedUsers, ids.map(String)),
    ]);
    return ids.flatMap((id, i) => {
      const [username, displayName, title, status, statusExpiresAt, timeZone, role, avatar] = rows[i]!;
      if (!username) return [];
      const expires = statusExpiresAt ? Number(statusExpiresAt) : null;
      const expired = expires !== null && expires <= now;
      const parsedRole = Role.safeParse(role);
      return [{
        id,
        username,
        displayName: displayName ?? "",
        title: title ?? "",
        status: expired ? "" : (status ?? ""),
        statusExpiresAt: expired ? null : expires,
        timeZone: timeZone ?? "",
        role: parsedRole.success ? parsedRole.data : "member",
        deactivated: deactivated[i]!,
        online: online[i] === 1,
        avatarUrl: avatar ? avatarUrl(id, avatar) : null,
        banned: banned[i] === 1,
      }];
    });
  }

  async get(id: number): Promise<Profile | undefined> {
    const [found] = await this.many([id]);
    if (!found) return undefined;
    const { banned: _banned, ...profile } = found;
    return profile;
  }

  async update(id: number, patch: ProfilePatch): Promise<Profile | undefined> {
    const before = await this.get(id);
    if (!before) return undefined;
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      fields[name] = value === null ? "" : String(value);
    }
    // A new status without an expiry clears the old expiry.
    if (patch.status !== undefined && patch.statusExpiresAt === undefined) fields.statusExpiresAt = "";
    if (Object.keys(fields).length > 0) await this.redis.hSet(keys.user(id), fields);
    if (patch.displayName !== undefined && patch.displayName !== before.displayName) {
      if (before.displayName) await this.redis.zRem(keys.displayNameIndex, indexMember(before.displayName, id));
      if (patch.displayName) await this.redis.zAdd(keys.displayNameIndex, { score: 0, value: indexMember(patch.displayName, id) });
    }
    return this.get(id);
  }

  /** Adds `displayName` and `avatarUrl` to the users that chose them (one HMGET each, pipelined). */
  async withDisplayNames<T extends { id: number }>(users: T[]): Promise<(T & { displayName?: string; avatarUrl?: string })[]> {
    const rows = await Promise.all(users.map((u) => this.redis.hmGet(keys.user(u.id), ["displayName", "avatar"])));
    return users.map((u, i) => {
      const [displayName, avatar] = rows[i]!;
      return {
        ...u,
        ...(displayName ? { displayName } : {}),
        ...(avatar ? { avatarUrl: avatarUrl(u.id, avatar) } : {}),
      };
    });
  }

  /** Ids whose display name starts with `prefix` (case-insensitive), at most `limit`. */
  async searchDisplayNames(prefix: string, limit: number): Promise<number[]> {
    const from = prefix.toLowerCase();
    const members = await this.redis.zRange(keys.displayNameIndex, `[${from}`, `[${from}\xff`, { BY: "LEX", LIMIT: { offset: 0, count: limit } });
    return members.map((m) => Number(m.slice(m.lastIndexOf(":") + 1))).filter((id) => Number.isSafeInteger(id) && id > 0);
  }
}

const indexMember = (name: string, id: number) => `${name.toLowerCase()}:${id}`;
