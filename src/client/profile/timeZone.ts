import { useEffect } from "react";
import { TimeZone } from "../../protocol/index.js";
import { profileApi } from "./api.js";
import { announceProfile } from "./bus.js";
import { currentZoneName } from "./zoneChoices.js";

/** The zone this browser runs in ("Europe/Paris"; by its current name), or "" when it names none the server takes. */
export function deviceTimeZone(): string {
  try {
    const zone = currentZoneName(Intl.DateTimeFormat().resolvedOptions().timeZone ?? "");
    return TimeZone.safeParse(zone).success ? zone : "";
  } catch {
    return "";
  }
}

/**
 * The zone to save for someone whose profile has none (a first sign-in): the device's, as Slack does,
 * so their card shows their local time from the start. null: theirs is set (their choice stays), or
 * the device names none.
 */
export function zoneToFillIn(saved: string, device: string): string | null {
  return saved === "" && device !== "" ? device : null;
}

/**
 * Once per person per tab, when the connection is first up: a profile without a time zone takes the
 * device's. A failure changes nothing: the next connection tries again.
 */
export function useTimeZoneFromDevice(meId: number, online: boolean): void {
  useEffect(() => {
    if (!online || filled.has(meId)) return;
    filled.add(meId);
    const device = deviceTimeZone();
    profileApi.mine()
      .then((profile) => {
        const zone = zoneToFillIn(profile.timeZone, device);
        return zone === null ? null : profileApi.update({ timeZone: zone });
      })
      .then((updated) => { if (updated) announceProfile(updated); }, () => { filled.delete(meId); });
  }, [meId, online]);
}
const filled = new Set<number>();
