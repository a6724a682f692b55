import { verify } from "@node-rs/bcrypt";
import type { SessionUser, SetupBody, SetupState } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { DEMO_PASSWORD, DEMO_USERS } from "../demo-data.js";
import type { Deactivations } from "../users/deactivation.js";
import type { Users } from "../users.js";
import type { Roles } from "../users/role.js";
import type { PlaceSettingsStore } from "./settings.js";

export type SetupOutcome = { status: "done"; user: SessionUser } | { status: "already-set-up" } | { status: "name-taken" };

/**
 * The first run (issue 18). A place is set up when its environment configures it
 * (`setupByEnvironment`) or when `place:setup` exists: written once, with SET NX, by `POST /setup`
 * (so of any number of racing set-ups exactly one makes an administrator), or at start for a
 * database from before issue 18 that already holds people's accounts or an administrator.
 * Until then, with no demo accounts either, the place is `locked`: nobody signs in or registers.
 */
export class FirstRun {
  /**
   * bcrypt hash -> whether the demo password opens it: each stored hash is checked once per
   * instance, and requests arriving while it is checked share that check.
   */
  private readonly demoHashes = new Map<string, Promise<boolean>>();

  constructor(
    private readonly redis: Redis,
    private readonly users: Users,
    private readonly roles: Roles,
    private readonly settings: PlaceSettingsStore,
    private readonly setupByEnvironment: boolean,
    private readonly deactivations: Deactivations,
  ) {}

  async isSetUp(): Promise<boolean> {
    return this.setupByEnvironment || (await this.redis.exists(keys.placeSetup)) === 1;
  }

  /** Demo accounts that exist, are not deactivated and still sign in with the public demo password. */
  async usableDemoAccounts(): Promise<string[]> {
    return (await this.usableDemoAccountIds()).map((account) => account.username);
  }

  async usableDemoAccountIds(): Promise<{ id: number; username: string }[]> {
    // The accounts are checked side by side: on a new instance each is a bcrypt check (~50-100 ms,
    // seconds under load), and the sign-in screen waits for all of them.
    const found = await Promise.all(DEMO_USERS.map(async (username) => {
      const id = await this.users.idByUsername(username);
      if (id === undefined || (await this.deactivations.isDeactivated(id))) return undefined;
      const hash = await this.redis.hGet(keys.user(id), "password");
      return hash && (await this.opensWithDemoPassword(hash)) ? { id, username } : undefined;
    }));
    return found.filter((account) => account !== undefined);
  }

  private opensWithDemoPassword(hash: string): Promise<boolean> {
    let check = this.demoHashes.get(hash);
    if (check === undefined) {
      check = verify(DEMO_PASSWORD, hash).catch(() => false);
      if (this.demoHashes.size > 100) this.demoHashes.clear();
      this.demoHashes.set(hash, check);
    }
    return check;
  }

  /** Nobody may sign in or register: not set up, and no demo accounts to use meanwhile. */
  async locked(): Promise<boolean> {
    if (await this.isSetUp()) return false;
    const demo = await Promise.all(DEMO_USERS.map((name) => this.users.idByUsername(name)));
    return demo.every((id) => id === undefined);
  }

  async state(): Promise<SetupState> {
    const [settings, setUp, locked, demo] = await Promise.all([this.settings.read(), this.isSetUp(), this.locked(), this.usableDemoAccounts()]);
    return {
      placeName: settings.placeName,
      needsSetup: !setUp,
      locked,
      registration: settings.registration,
      demo: demo.length > 0 ? { usernames: demo, password: DEMO_PASSWORD } : null,
    };
  }

  /** `POST /setup`: the first administrator and the place's settings, once. */
  async setUp(body: SetupBody): Promise<SetupOutcome> {
    if (this.setupByEnvironment) return { status: "already-set-up" };
    if ((await this.users.findByName(body.username)) !== undefined) {
      return (await this.isSetUp()) ? { status: "already-set-up" } : { status: "name-taken" };
    }
    const claimed = await this.redis.set(keys.placeSetup, JSON.stringify({ at: Date.now() }), { condition: "NX" });
    if (claimed === null) return { status: "already-set-up" };
    const user = await this.users.create(body.username, body.password);
    if ("taken" in user) {
      await this.redis.del(keys.placeSetup);
      return { status: "name-taken" };
    }
    await this.roles.set(user.id, "admin");
    // The first administrator is this one: no later sign-up becomes one by being first.
    await this.redis.set(keys.firstAdmin, String(user.id));
    await this.redis.set(keys.placeSetup, JSON.stringify({ at: Date.now(), by: user.id }));
    await this.settings.update({ placeName: body.placeName, registration: body.registration });
    return { status: "done", user };
  }

  /**
   * At start: a database from before issue 18 that holds accounts people made (not only the demo's)
   * or an administrator counts as set up, so an upgrade keeps working as it did.
   */
  async upgradeExisting(): Promise<boolean> {
    if (await this.isSetUp()) return false;
    const [total, firstAdmin] = await Promise.all([this.redis.get(keys.totalUsers), this.redis.get(keys.firstAdmin)]);
    const demo = (await Promise.all(DEMO_USERS.map((name) => this.users.idByUsername(name)))).filter((id) => id !== undefined).length;
    const people = Number(total ?? 0) - demo;
    if (people <= 0 && (firstAdmin === null || firstAdmin === "0")) return false;
    return (await this.redis.set(keys.placeSetup, JSON.stringify({ at: Date.now(), upgraded: true }), { condition: "NX" })) !== null;
  }
}
