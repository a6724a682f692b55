import { useEffect, useMemo, useState } from "react";
import type { UserWithPresence } from "../protocol/index.js";
import { api } from "./api.js";
import type { ChatState } from "./state/chat.js";
import { listPeople } from "./state/people.js";

/**
 * People matching a typed name: those this tab knows plus the server's search (`GET /users/search`,
 * debounced), without me or banned people, online first.
 */
export function usePeopleSearch(state: Pick<ChatState, "users" | "me" | "banned">, query: string): { people: UserWithPresence[]; searching: boolean } {
  const [found, setFound] = useState<UserWithPresence[]>([]);
  const [searching, setSearching] = useState(false);
  const q = query.trim();
  useEffect(() => {
    if (!q) {
      setFound([]);
      return;
    }
    let cancelled = false;
    setSearching(true);
    const timer = setTimeout(() => {
      api.search(q).then(
        (users) => !cancelled && setFound(users),
        // Search is optional on the server: without it, the filter works on people already known.
        () => !cancelled && setFound([]),
      ).finally(() => !cancelled && setSearching(false));
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [q]);
  const people = useMemo(
    () => listPeople([...found, ...Object.values(state.users)], state.me.id, q, state.banned),
    [found, state.users, state.me.id, q, state.banned],
  );
  return { people, searching };
}
