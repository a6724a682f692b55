/**
 * The "tell me when X comes online" choices as this tab shows them: the server's list (loaded, or
 * pushed by `presence.alerts` after a change on any device) with this tab's own changes still on
 * their way on top, so a list the server sent before it had them never switches them back.
 */
export interface PresenceAlertsSlice {
  /** The server's list; null until it has been loaded. */
  server: ReadonlySet<number> | null;
  /** This tab's changes not yet answered, by person: on or off. */
  pending: ReadonlyMap<number, boolean>;
}

export type PresenceAlertsAction =
  | { type: "serverList"; userIds: readonly number[] }
  | { type: "changing"; userId: number; on: boolean }
  /** The server answered this tab's change: it is in the server's list from now on. */
  | { type: "changed"; userId: number; on: boolean }
  /** The server refused it: the server's list stands. */
  | { type: "changeFailed"; userId: number };

export const noPresenceAlerts: PresenceAlertsSlice = { server: null, pending: new Map() };

export function presenceAlertsReducer(slice: PresenceAlertsSlice, action: PresenceAlertsAction): PresenceAlertsSlice {
  switch (action.type) {
    case "serverList":
      return { ...slice, server: new Set(action.userIds) };
    case "changing":
      return { ...slice, pending: new Map(slice.pending).set(action.userId, action.on) };
    case "changed": {
      const server = new Set(slice.server ?? []);
      if (action.on) server.add(action.userId);
      else server.delete(action.userId);
      return { server, pending: without(slice.pending, action.userId) };
    }
    case "changeFailed":
      return { ...slice, pending: without(slice.pending, action.userId) };
  }
}

function without(pending: ReadonlyMap<number, boolean>, userId: number): ReadonlyMap<number, boolean> {
  const next = new Map(pending);
  next.delete(userId);
  return next;
}

/** Whom this tab shows as watched: the server's list with the changes on their way applied. */
export function watchedPeople(slice: PresenceAlertsSlice): ReadonlySet<number> | null {
  if (slice.server === null && slice.pending.size === 0) return null;
  const watched = new Set(slice.server ?? []);
  for (const [userId, on] of slice.pending) {
    if (on) watched.add(userId);
    else watched.delete(userId);
  }
  return watched;
}
