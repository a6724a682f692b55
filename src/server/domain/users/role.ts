import { Role } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/** The hash field of `user:{id}` that holds the role (ours; seed servers ignore it). */
export const ROLE_FIELD = "role";

/** Users' roles: the `role` field of the seed's `user:{id}` hash (see protocol/roles.ts). */
export class Roles {
  constructor(private readonly redis: Redis) {}

  /** The user's role; `member` when the field is absent or unknown. */
  async of(userId: number): Promise<Role> {
    const parsed = Role.safeParse(await this.redis.hGet(keys.user(userId), ROLE_FIELD));
    return parsed.success ? parsed.data : "member";
  }

  async isAdmin(userId: number): Promise<boolean> {
    return (await this.of(userId)) === "admin";
  }

  /** Sets the role of an existing user. */
  async set(userId: number, role: Role): Promise<void> {
    await this.redis.hSet(keys.user(userId), ROLE_FIELD, role);
  }
}
