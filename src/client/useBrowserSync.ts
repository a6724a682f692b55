import { useCallback, useEffect, useMemo, useRef, type Dispatch } from "react";
import { displayRoomTitle, userName } from "./components/names.js";
import { setPlaceName, usePlaceName } from "./lib/placeName.js";
import { placeApi } from "./setup/api.js";
import { api } from "./api.js";
import { roomFromHash } from "./lib/route.js";
import { unreadCount, type ChatAction, type ChatState } from "./state/chat.js";
import { pageTitle, totalUnread } from "./state/unread.js";
import { isPhoneLayout } from "./layout.js";

/**
 * What the chat state owes the browser and the browser the state: the URL hash and tab visibility
 * in, the page title and the names of unseen senders out (read marks: useReadSync).
 */
export function useBrowserSync(state: ChatState, dispatch: Dispatch<ChatAction>, failed: (error: unknown) => string): (id: number) => string {
  // The open room follows the URL hash.
  useEffect(() => {
    const onPop = () => dispatch({ type: "roomOpened", roomId: roomFromHash(location.hash) ?? (isPhoneLayout() ? null : "0") });
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
  const asked = useRef(new Set<number>());
  const flush = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // A name asked for outside the loaded rooms (search results, pins, saved messages): fetched once.
  const nameOf = useCallback((id: number) => {
    if (!stateRef.current.users[id] && !requestedUsers.current.has(id)) {
      requestedUsers.current.add(id);
      asked.current.add(id);
      flush.current ??= setTimeout(() => {
        flush.current = undefined;
        const ids = [...asked.current];
        asked.current.clear();
        api.users(ids).then((users) => dispatch({ type: "usersLoaded", users }), () => ids.forEach((i) => requestedUsers.current.delete(i)));
      }, 0);
    }
    return userName(stateRef.current, id);
  }, [dispatch]);
  useEffect(() => () => clearTimeout(flush.current), []);
  useEffect(() => {
    const missing = new Set<number>();
    for (const room of Object.values(state.rooms)) {
      for (const m of room.messages) {
        const ids = [m.from, ...(m.mentions ?? []), ...(m.reactions ?? []).flatMap((r) => r.users)];
        for (const id of ids) if (!state.users[id] && !requestedUsers.current.has(id)) missing.add(id);
      }
    }
    if (missing.size === 0) return;
    const ids = [...missing].slice(0, 500);
    ids.forEach((id) => requestedUsers.current.add(id));
    api.users(ids).then((users) => dispatch({ type: "usersLoaded", users }), (error) => {
      ids.forEach((id) => requestedUsers.current.delete(id));
      failed(error);
    });
  }, [state.rooms, state.users, failed]);

  return nameOf;
}
