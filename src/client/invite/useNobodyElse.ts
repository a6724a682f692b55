import { useEffect, useState } from "react";
import { onProfile } from "../profile/bus.js";
import { profileApi } from "../profile/api.js";

/**
 * Whether the place has nobody in it but me (the people directory, which leaves out bots and
 * deactivated accounts); null until the server answers. A newcomer (`user.profile`) ends it live.
 * Asked only where an empty room would otherwise say "Say hello!" to nobody.
 */
export function useNobodyElse(meId: number): boolean | null {
  const [nobodyElse, setNobodyElse] = useState<boolean | null>(null);
  useEffect(() => {
    let cancelled = false;
    profileApi.people("").then((page) => {
      if (!cancelled) setNobodyElse(!page.people.some((p) => p.id !== meId));
    }, () => {});
    const off = onProfile((profile) => {
      if (profile.id !== meId && !profile.deactivated && profile.role !== "bot") setNobodyElse(false);
    });
    return () => {
      cancelled = true;
      off();
    };
  }, [meId]);
  return nobodyElse;
}
