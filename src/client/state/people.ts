import type { PresenceUser, UserWithPresence } from "../../protocol/index.js";

/**
 * Everyone this tab knows of, by id, with presence. Presence shows in the people list and the
 * profile card only: a team of fifty coming and going would bury General under "came online"
 * lines (issue 18).
 */
export interface PeopleSlice {
  users: Readonly<Record<number, UserWithPresence>>;
  /**
   * Banned people this tab knows of: banned while it was open (`user.banned`) or listed banned among
   * a room's members (`GET /room/:id`). Hidden from the people list; marked "banned" among members.
   */
  banned: readonly number[];
  /**
   * Deactivated accounts this tab knows of: from room members (`GET /room/:id`, `room.member.added`)
   * and `user.profile`. Their names show marked "deactivated"; the people list, pickers and mention
   * suggestions leave them out (the server's directory does too). A reactivation takes them out.
   */
  deactivated: readonly number[];
}

export type PeopleAction =
  | { type: "usersLoaded"; users: UserWithPresence[] }
  /**
   * A profile changed (`user.profile`): its names and picture. Whether they are online stays as
   * presence says for someone known: a profile saved just as they came online (a first sign-in
   * fills in the time zone) would otherwise mark them online before the presence event, and
   * "X is online" would never be told.
   */
  | { type: "profileSeen"; user: UserWithPresence }
  /** The full list of who is online now: everyone else known is offline. No notices. */
  | { type: "onlineSnapshot"; users: UserWithPresence[] }
  /** `at`: milliseconds, local clock, when the change was seen. */
  | { type: "presence"; users: PresenceUser[]; at: number }
  | { type: "userBanned"; userId: number; banned: boolean }
  /** Where these people stand now: `deactivated` absent or false means active. */
  | { type: "deactivationSeen"; users: readonly { id: number; deactivated?: boolean }[] }
  /** Whether these people are banned now (a room's member list): `banned` absent or false means not. */
  | { type: "bansSeen"; users: readonly { id: number; banned?: boolean }[] };

const PEOPLE_ACTIONS: ReadonlySet<string> = new Set<PeopleAction["type"]>(["usersLoaded", "profileSeen", "onlineSnapshot", "presence", "userBanned", "deactivationSeen", "bansSeen"]);

export function isPeopleAction(action: { type: string }): action is PeopleAction {
  return PEOPLE_ACTIONS.has(action.type);
}

/** Who is who and who is online. `meId` never goes offline by snapshot. */
export function peopleReducer(slice: PeopleSlice, action: PeopleAction, meId: number): PeopleSlice {
  switch (action.type) {
    case "usersLoaded": {
      if (action.users.length === 0) return slice;
      const users = { ...slice.users };
      for (const u of action.users) users[u.id] = u;
      return { ...slice, users };
    }
    case "profileSeen": {
      const known = slice.users[action.user.id];
      return { ...slice, users: { ...slice.users, [action.user.id]: known ? { ...action.user, online: known.online } : action.user } };
    }
    case "onlineSnapshot": {
      const users: Record<number, UserWithPresence> = {};
      for (const u of Object.values(slice.users)) users[u.id] = u.id === meId ? u : { ...u, online: false };
      for (const u of action.users) users[u.id] = u;
      return { ...slice, users };
    }
    case "presence": {
      // Presence carries only id, username and online: it merges into a known person and keeps
      // the rest (display name, picture). Someone not known yet is left out rather than recorded
      // without a profile (that would read as "no display name, no picture" everywhere): the
      // socket handler fetches them (usersLoaded), online state included.
      let users: Record<number, UserWithPresence> | undefined;
      for (const u of action.users) {
        const known = slice.users[u.id];
        if (!known || (known.online === u.online && known.username === u.username)) continue;
        users ??= { ...slice.users };
        users[u.id] = { ...known, username: u.username, online: u.online };
      }
      return users ? { ...slice, users } : slice;
    }
    case "userBanned": {
      const has = slice.banned.includes(action.userId);
      if (has === action.banned) return slice;
      return { ...slice, banned: action.banned ? [...slice.banned, action.userId] : slice.banned.filter((id) => id !== action.userId) };
    }
    case "deactivationSeen": {
      const deactivated = withFlags(slice.deactivated, action.users.map((u) => [u.id, u.deactivated === true]));
      return deactivated === slice.deactivated ? slice : { ...slice, deactivated };
    }
    case "bansSeen": {
      const banned = withFlags(slice.banned, action.users.map((u) => [u.id, u.banned === true]));
      return banned === slice.banned ? slice : { ...slice, banned };
    }
  }
}

/** `ids` with each flagged id in and each unflagged one out; the same array when nothing changed. */
function withFlags(ids: readonly number[], flags: readonly (readonly [number, boolean])[]): readonly number[] {
  const now = new Set(ids);
  for (const [id, flagged] of flags) {
    if (flagged) now.add(id);
    else now.delete(id);
  }
  return now.size === ids.length && ids.every((id) => now.has(id)) ? ids : [...now];
}

/** Whether the person is banned, as far as this tab knows. */
export function isBanned(slice: Pick<PeopleSlice, "banned">, userId: number): boolean {
  return slice.banned.includes(userId);
}

/** Whether the person is deactivated, as far as this tab knows. */
export function isDeactivated(slice: Pick<PeopleSlice, "deactivated">, userId: number): boolean {
  return slice.deactivated.includes(userId);
}

/** Left out of the people list, pickers and mention suggestions: banned or deactivated. */
export function unlisted(slice: Pick<PeopleSlice, "banned" | "deactivated">): readonly number[] {
  return slice.deactivated.length === 0 ? slice.banned : [...slice.banned, ...slice.deactivated];
}

/**
 * The people list: everyone known plus search hits, without me, matching `filter` (case-insensitive
 * substring), online first, then by name.
 */
export function listPeople(users: Iterable<UserWithPresence>, meId: number, filter = "", banned: readonly number[] = []): UserWithPresence[] {
  const byId = new Map<number, UserWithPresence>();
  for (const u of users) byId.set(u.id, u);
  const needle = filter.trim().toLowerCase();
  return [...byId.values()]
    .filter((u) => u.id !== meId && !banned.includes(u.id) && (!needle || u.username.toLowerCase().includes(needle) || (u.displayName ?? "").toLowerCase().includes(needle)))
    .sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username));
}
