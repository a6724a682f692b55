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

/** The person's own presence-alert list as the server has it now (`presence.alerts`: a change made on another tab or device). */
type AlertsListener = (userIds: readonly number[]) => void;
const alertsListeners = new Set<AlertsListener>();

export function announcePresenceAlerts(userIds: readonly number[]): void {
  for (const listener of alertsListeners) listener(userIds);
}

export function onPresenceAlerts(listener: AlertsListener): () => void {
  alertsListeners.add(listener);
  return () => alertsListeners.delete(listener);
}

/** `user.banned` / `user.unbanned` as they arrive: the Bans tab, the audit log and the People view follow them. */
export interface BanChange {
  id: number;
  username: string;
  banned: boolean;
}
type BanListener = (change: BanChange) => void;
const banListeners = new Set<BanListener>();

export function announceBan(change: BanChange): void {
  for (const listener of banListeners) listener(change);
}

export function onBan(listener: BanListener): () => void {
  banListeners.add(listener);
  return () => banListeners.delete(listener);
}
