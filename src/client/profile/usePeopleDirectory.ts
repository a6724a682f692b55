import { useEffect, useMemo, useState } from "react";
import type { Profile, UserWithPresence } from "../../protocol/index.js";
import type { ChatState } from "../state/chat.js";
import { rememberAvatarUrls } from "../lib/avatarPictures.js";
import { listPeople, unlisted } from "../state/people.js";
import { profileApi, shownName } from "./api.js";
import { onBan, onProfile } from "./bus.js";

interface Loaded {
  q: string;
  people: Profile[];
  next: string | null;
  failed: boolean;
}

/**
 * The People view (issue 18): every member of the place from `GET /people` (searched by name and
 * display name, paged with `more`), whether or not they have posted, with presence kept live from
 * the chat state; online first, then by name. Without the directory (an older server), the people
 * this tab knows of.
 */
export function usePeopleDirectory(state: Pick<ChatState, "users" | "me" | "banned" | "deactivated">, query: string) {
  const q = query.trim();
  const [loaded, setLoaded] = useState<Loaded>({ q: "", people: [], next: null, failed: false });
  const [searching, setSearching] = useState(true);
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout>;
    setSearching(true);
    // A failed load (a busy server, a reconnect) is tried again until it succeeds, backing off to
    // 30 s; meanwhile the people this tab knows of are shown.
    const load = (attempt: number) => {
      profileApi.people(q).then(
        (page) => {
          rememberAvatarUrls(page.people);
          if (!cancelled) setLoaded({ q, people: page.people, next: page.nextCursor, failed: false });
        },
        () => {
          if (cancelled) return;
          setLoaded({ q, people: [], next: null, failed: true });
          timer = setTimeout(() => load(attempt + 1), Math.min(1000 * 2 ** attempt, 30_000));
        },
      ).finally(() => !cancelled && setSearching(false));
    };
    timer = setTimeout(() => load(0), q ? 200 : 0);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [q]);

  // Live (issue 18): a new account joins, a deactivated one leaves, a reactivated one comes back,
  // a changed profile is replaced, on every instance (`user.profile`), without refetching.
  useEffect(() => {
    const place = (profile: Profile) => setLoaded((l) => {
      if (l.failed) return l;
      const others = l.people.filter((p) => p.id !== profile.id);
      const listed = !profile.deactivated && profile.role !== "bot" && matchesDirectoryQuery(profile, l.q);
      if (!listed) return others.length === l.people.length ? l : { ...l, people: others };
      return { ...l, people: [...others, profile] };
    });
    const offProfile = onProfile(place);
    // A lifted ban brings the person back: the directory left them out while banned, and
    // `user.unbanned` carries no profile, so it is fetched (a failure leaves them for the next load).
    const offBan = onBan(({ id, banned }) => {
      if (!banned) profileApi.of(id).then((profile) => { rememberAvatarUrls([profile]); place(profile); }, () => {});
    });
    return () => { offProfile(); offBan(); };
  }, []);

  const more = () => {
    if (!loaded.next) return;
    profileApi.people(loaded.q, loaded.next).then(
      (page) => {
        rememberAvatarUrls(page.people);
        setLoaded((l) => (l.q === loaded.q ? { ...l, people: [...l.people, ...page.people], next: page.nextCursor } : l));
      },
      () => {},
    );
  };

  const { banned, deactivated } = state;
  const hidden = useMemo(() => unlisted({ banned, deactivated }), [banned, deactivated]);
  const people = useMemo<UserWithPresence[]>(() => {
    if (loaded.failed) return listPeople(Object.values(state.users), state.me.id, q, hidden);
    const live = state.users;
    // Once each: a newcomer added live may come again with a later page.
    const unique = [...new Map(loaded.people.map((p) => [p.id, p])).values()];
    return unique
      .filter((p) => p.id !== state.me.id && !hidden.includes(p.id))
      .map((p) => {
        // Presence and display name as they are now (socket events), the rest as the directory said.
        // A live record never takes away what the directory knows (user.profile updates both).
        const displayName = live[p.id]?.displayName || p.displayName;
        const avatarUrl = live[p.id]?.avatarUrl ?? p.avatarUrl;
        return { id: p.id, username: p.username, online: live[p.id]?.online ?? p.online, ...(displayName ? { displayName } : {}), ...(avatarUrl ? { avatarUrl } : {}) };
      })
      .sort((a, b) => Number(b.online) - Number(a.online) || shownName(a).localeCompare(shownName(b)));
  }, [loaded, state.users, state.me.id, hidden, q]);

  return { people, searching, hasMore: loaded.next !== null, more };
}

/** Whether the directory's search `q` would list this person: the start of the username or display name, any case. */
export function matchesDirectoryQuery(person: { username: string; displayName: string }, q: string): boolean {
  const needle = q.trim().toLowerCase();
  return !needle || person.username.toLowerCase().startsWith(needle) || person.displayName.toLowerCase().startsWith(needle);
}
