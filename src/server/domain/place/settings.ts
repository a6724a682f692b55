import { NotificationLevel, RegistrationMode, type PlaceSettings, type PlaceSettingsPatch } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

export const DEFAULT_PLACE_NAME = "redis-chat";

/**
 * The place's settings an administrator changes at run time (issue 18), in the hash
 * `place:settings`. A field not in Redis falls back to this instance's environment (`REGISTRATION`)
 * or the built-in default: the environment is the initial value until an administrator (or the
 * first-run setup) chooses. Every read that decides something reads Redis, so a change holds on
 * every instance at once; `cached` serves the synchronous readers (the push notifier), refreshed
 * on each read and whenever another instance announces a change (`reload`).
 */
export class PlaceSettingsStore {
  private last: PlaceSettings;

  constructor(private readonly redis: Redis, private readonly initial: { registration: RegistrationMode }) {
    this.last = { placeName: DEFAULT_PLACE_NAME, registration: initial.registration, defaultNotificationLevel: "mentions" };
  }

  get cached(): PlaceSettings {
    return this.last;
  }

  async read(): Promise<PlaceSettings> {
    const h = await this.redis.hGetAll(keys.placeSettings);
    const registration = RegistrationMode.safeParse(h.registration);
    const level = NotificationLevel.safeParse(h.defaultNotificationLevel);
    this.last = {
      placeName: h.placeName || DEFAULT_PLACE_NAME,
      registration: registration.success ? registration.data : this.initial.registration,
      defaultNotificationLevel: level.success ? level.data : "mentions",
    };
    return this.last;
  }

  async registration(): Promise<RegistrationMode> {
    return (await this.read()).registration;
  }

  /** The settings now, and `changed`: the fields of `patch` whose value differed from before. */
  async update(patch: PlaceSettingsPatch): Promise<{ settings: PlaceSettings; changed: PlaceSettingsPatch }> {
    const before = await this.read();
    const changed = Object.fromEntries(
      Object.entries(patch).filter(([key, value]) => value !== undefined && before[key as keyof PlaceSettings] !== value),
    ) as PlaceSettingsPatch;
    // Every field sent is written (an environment default becomes the chosen value); `changed` is what differs.
    const fields = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Record<string, string>;
    if (Object.keys(fields).length > 0) await this.redis.hSet(keys.placeSettings, fields);
    return { settings: await this.read(), changed };
  }

  /** Another instance changed them: refresh the cache (never throws). */
  reload(): void {
    this.read().catch(() => {});
  }
}
