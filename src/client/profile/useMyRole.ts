import { useEffect, useRef, useState } from "react";
import type { Role } from "../../protocol/index.js";
import { myRoleAfter } from "../state/myRole.js";
import { profileApi } from "./api.js";
import { announceProfile, onProfile } from "./bus.js";

/**
 * The signed-in person's role, live: a promotion or demotion made anywhere reaches every open tab of
 * theirs. `online`: whether the live connection is up. A `user.profile` sent while this tab had no
 * connection is never replayed, so on every reconnection their own profile is read again and
 * announced (the Admin button and an open Administration dialog follow it as the live event).
 */
export function useMyRole(me: { id: number; role?: Role | undefined }, online: boolean): Role | undefined {
  const [role, setRole] = useState(me.role);
  useEffect(() => onProfile((profile) => setRole((current) => myRoleAfter(current, me.id, profile))), [me.id]);
  const connectedBefore = useRef(false);
  useEffect(() => {
    if (!online) return;
    const reconnected = connectedBefore.current;
    connectedBefore.current = true;
    if (!reconnected) return;
    let current = true;
    // A failure leaves the role as it was: the next reconnection or live event brings it.
    profileApi.mine().then((profile) => { if (current) announceProfile(profile); }, () => {});
    return () => { current = false; };
  }, [online]);
  return role;
}
