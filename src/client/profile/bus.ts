import type { PresenceUser, Profile } from "../../protocol/index.js";

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

/** Live presence changes (socket events, before the state has them; never snapshots): "X came online" alerts. */
type PresenceListener = (users: readonly PresenceUser[]) => void;
const presenceListeners = new Set<PresenceListener>();

export function announcePresence(users: readonly PresenceUser[]): void {
  for (const listener of presenceListeners) listener(users);
}

export function onPresence(listener: PresenceListener): () => void {
  presenceListeners.add(listener);
  return () => presenceListeners.delete(listener);
}
