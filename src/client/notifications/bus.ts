import type { ChatMessage, NotificationLevel } from "../../protocol/index.js";

/**
 * The small seam between the chat controller (useChat) and notifications: live messages as they
 * arrive over the socket (not history or catch-up pages), and sign-out, before the session ends.
 */
type LiveListener = (roomId: string, messages: readonly ChatMessage[]) => void;
type SignOutListener = () => Promise<void>;

const live = new Set<LiveListener>();
const signOut = new Set<SignOutListener>();

export function announceLiveMessages(roomId: string, messages: readonly ChatMessage[]): void {
  for (const listener of live) listener(roomId, messages);
}

export function onLiveMessages(listener: LiveListener): () => void {
  live.add(listener);
  return () => live.delete(listener);
}

/** Runs every sign-out task (each failure ignored): called while the session is still valid. */
export async function beforeSignOut(): Promise<void> {
  await Promise.all([...signOut].map((task) => task().catch(() => undefined)));
}

export function onSignOut(task: SignOutListener): () => void {
  signOut.add(task);
  return () => signOut.delete(task);
}

/** The place's default level for named rooms, as an administrator just changed it (`place.settings`). */
type PlaceDefaultListener = (level: NotificationLevel) => void;
const placeDefault = new Set<PlaceDefaultListener>();

export function announcePlaceDefault(level: NotificationLevel): void {
  for (const listener of placeDefault) listener(level);
}

export function onPlaceDefault(listener: PlaceDefaultListener): () => void {
  placeDefault.add(listener);
  return () => placeDefault.delete(listener);
}
