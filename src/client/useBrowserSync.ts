import { useCallback, useEffect, useMemo, useReducer, useRef, type Dispatch } from "react";
import { peopleToFetch, type PeopleNames } from "./lib/peopleNames.js";
import { displayRoomTitle, userName } from "./components/names.js";
import { setPlaceName, usePlaceName } from "./lib/placeName.js";
import { placeApi } from "./setup/api.js";
import { api } from "./api.js";
import { roomOfHash } from "./lib/route.js";
import { unreadCount, type ChatAction, type ChatState } from "./state/chat.js";
import { pageTitle, totalUnread } from "./state/unread.js";
import { isPhoneLayout } from "./layout.js";

/**
 * What the chat state owes the browser and the browser the state: the URL hash and tab visibility
 * in, the page title and the names of unseen senders out (read marks: useReadSync).
 */
export function useBrowserSync(state: ChatState, dispatch: Dispatch<ChatAction>, failed: (error: unknown) => string): {
  nameOf: (id: number) => string;
  names: PeopleNames;
} {
  // The open room follows the URL hash.
  useEffect(() => {
    const onPop = () => dispatch({ type: "roomOpened", roomId: roomOfHash(location.hash) ?? (isPhoneLayout() ? null : "0") });
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);

  useEffect(() => {
    const onVisibility = () => dispatch({ type: "visibility", visible: document.visibilityState !== "hidden" });
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, []);

  // Title with the unread total.
  const unreadTotal = useMemo(
    () => totalUnread(Object.values(state.rooms).map((r) => unreadCount(state, r))),
    [state],
  );
  // "General · Trial Team": the open room, then the place. Its name is fetched once signed in: the
  // sign-in page's may be missing (a restored session) or stale (the setup that just named it).
  const place = usePlaceName();
  useEffect(() => {
    placeApi.state().then((s) => setPlaceName(s.placeName), () => {});
  }, []);
  const room = state.activeRoomId ? state.rooms[state.activeRoomId] : undefined;
  const roomTitle = room ? displayRoomTitle(room, state) : "";
  useEffect(() => {
    document.title = pageTitle(unreadTotal, [roomTitle, place].filter(Boolean).join(" · ") || undefined);
  }, [unreadTotal, roomTitle, place]);

  // Names for senders, reactors and mentioned people we have not seen yet (never "User 6").
  const requestedUsers = useRef(new Set<number>());
  const stateRef = useRef(state);
  stateRef.current = state;
  // Asked for and not sent yet; asked for and not answered yet (a list shows a placeholder meanwhile).
  const queued = useRef(new Set<number>());
  const inFlight = useRef(new Set<number>());
  // An answer that adds nobody (an unknown id, a failure) still redraws the lists waiting on it.
  const [, answered] = useReducer((n: number) => n + 1, 0);
  const flush = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // People asked for outside the loaded rooms (search results, pins, saved messages): everyone
  // asked for in the same tick goes in one request (past 500, the rest in the next one).
  const load = useCallback((ids: readonly number[]) => {
    for (const id of peopleToFetch(ids, (i) => Boolean(stateRef.current.users[i]), requestedUsers.current, Infinity)) {
      requestedUsers.current.add(id);
      queued.current.add(id);
      inFlight.current.add(id);
    }
    if (queued.current.size === 0 || flush.current !== undefined) return;
    flush.current = setTimeout(function send() {
      flush.current = undefined;
      const batch = [...queued.current].slice(0, 500);
      batch.forEach((id) => queued.current.delete(id));
      api.users(batch).then(
        (users) => dispatch({ type: "usersLoaded", users }),
        // Asked again by the next list that needs them.
        () => batch.forEach((id) => requestedUsers.current.delete(id)),
      ).finally(() => {
        batch.forEach((id) => inFlight.current.delete(id));
        answered();
      });
      if (queued.current.size > 0) flush.current = setTimeout(send, 0);
    }, 0);
  }, [dispatch]);
  const nameOf = useCallback((id: number) => {
    load([id]);
    return userName(stateRef.current, id);
  }, [load]);
  const names = useMemo<PeopleNames>(() => ({
    nameOf: (id) => (stateRef.current.users[id] || !inFlight.current.has(id) ? userName(stateRef.current, id) : null),
    load,
  // A new object when people arrive, so the lists using it draw again.
  }), [load, state.users]);
  useEffect(() => () => clearTimeout(flush.current), []);
  useEffect(() => {
    const missing = new Set<number>();
    // Someone typing may not have been heard of yet (their presence is on its way): "User 6 is typing…".
    for (const users of Object.values(state.typing)) {
      for (const id of Object.keys(users).map(Number)) if (!state.users[id] && !requestedUsers.current.has(id)) missing.add(id);
    }
    for (const room of Object.values(state.rooms)) {
      for (const m of room.messages) {
        const ids = [m.from, ...(m.mentions ?? []), ...(m.reactions ?? []).flatMap((r) => r.users)];
        for (const id of ids) if (!state.users[id] && !requestedUsers.current.has(id)) missing.add(id);
      }
    }
    if (missing.size === 0) return;
    const ids = [...missing].slice(0, 500);
    ids.forEach((id) => {
      requestedUsers.current.add(id);
      inFlight.current.add(id);
    });
    api.users(ids).then((users) => dispatch({ type: "usersLoaded", users }), (error) => {
      ids.forEach((id) => requestedUsers.current.delete(id));
      failed(error);
    }).finally(() => {
      ids.forEach((id) => inFlight.current.delete(id));
      answered();
    });
  }, [state.rooms, state.users, state.typing, failed]);

  return { nameOf, names };
}
