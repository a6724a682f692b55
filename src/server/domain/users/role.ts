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

/**
 * Who becomes an administrator without anyone granting it (issue 9):
 * - the first account a person creates (registration or an administrator's `POST /admin/users`):
 *   it claims `admins:first` with NX, so exactly one account ever does. Demo accounts, whose
 *   password is public, are written by demo-data directly and never claim it;
 * - the names in `ADMIN_USERNAMES` (case-insensitive), at start for existing accounts and at each
 *   sign-in or registration: this is how a demo user becomes one. Removing a name later does not
 *   demote anyone (set `role` back to `member` in `user:{id}`).
 */
export class AdminGrants {
  private readonly names: Set<string>;

  /**
   * `firstAccountIsAdmin`: false on a place set up by its first run (issue 18), where `POST /setup`
   * made the first administrator; true when the environment configures the place (as before).
   */
  constructor(private readonly redis: Redis, private readonly roles: Roles, adminUsernames: readonly string[], private readonly firstAccountIsAdmin = true) {
    this.names = new Set(adminUsernames.map((n) => n.toLowerCase()));
  }

  isAdminName(username: string): boolean {
    return this.names.has(username.toLowerCase());
  }

  /** After a person created an account: the first one ever, or a listed name, is an administrator. */
  async afterRegistration(user: { id: number; username: string }): Promise<void> {
    const first = this.firstAccountIsAdmin ? await this.redis.set(keys.firstAdmin, String(user.id), { condition: "NX" }) : null;
    if (first !== null || this.isAdminName(user.username)) await this.roles.set(user.id, "admin");
  }

  /** After a sign-in: a listed name that is not an administrator yet becomes one. */
  async afterSignIn(user: { id: number; username: string }): Promise<void> {
    if (this.isAdminName(user.username) && !(await this.roles.isAdmin(user.id))) await this.roles.set(user.id, "admin");
  }

  /**
   * At start. A database that already holds accounts made by people, from before roles existed,
   * gets no automatic administrator (`admins:first` = `0`): the next sign-up must not take over
   * an established server; `ADMIN_USERNAMES` names them instead. Then the listed names that
   * exist are made administrators. Returns the ids promoted.
   */
  async atStart(findByName: (name: string) => Promise<number | undefined>, demoUsernames: readonly string[]): Promise<number[]> {
    if ((await this.redis.exists(keys.firstAdmin)) === 0) {
      const total = Number((await this.redis.get(keys.totalUsers)) ?? 0);
      const demo = await Promise.all(demoUsernames.map((name) => this.redis.exists(keys.username(name))));
      const people = total - demo.reduce((sum, n) => sum + n, 0);
      if (people > 0) await this.redis.set(keys.firstAdmin, "0", { condition: "NX" });
    }
    const promoted: number[] = [];
    for (const name of this.names) {
      const id = await findByName(name);
      if (id !== undefined && !(await this.roles.isAdmin(id))) {
        await this.roles.set(id, "admin");
        promoted.push(id);
      }
    }
    return promoted;
  }
}
