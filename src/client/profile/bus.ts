import type { Profile } from "../../protocol/index.js";

/**
 * The seam between the socket (roomEvents, in the shell) and the profile capability: every
 * `user.profile` event as it arrives (a new account, a changed profile, a deactivation or a
 * reactivation), so the People view can update without refetching the directory.
 */
type ProfileListener = (profile: Profile) => void;
const listeners = new Set<ProfileListener>();

export function announceProfile(profile: Profile): void {
  for (const listener of listeners) listener(profile);
}

export function onProfile(listener: ProfileListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
