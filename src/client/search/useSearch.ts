import { useCallback, useEffect, useReducer, useRef } from "react";
import { searchMessages } from "./api.js";
import { initialSearch, searchable, searchReducer } from "./state.js";

/** Typing pauses this long before a search is sent. */
const DEBOUNCE_MS = 250;

/** The search panel's data: the state slice, a search after each pause in typing, and the next page on demand. */
export function useSearch() {
  const [state, dispatch] = useReducer(searchReducer, initialSearch);
  const inflight = useRef<AbortController | null>(null);
  const stateRef = useRef(state);
  stateRef.current = state;

  const load = useCallback((append: boolean) => {
    const s = stateRef.current;
    if (!searchable(s)) return;
    inflight.current?.abort();
    const controller = new AbortController();
    inflight.current = controller;
    dispatch({ type: "loading" });
    const q = s.query.trim() || (s.has ? `has:${s.has}` : "");
    searchMessages({ q, room: s.roomId ?? undefined, has: s.has ?? undefined, cursor: append ? s.next ?? undefined : undefined }, controller.signal).then(
      (page) => dispatch({ type: "page", seq: s.seq, page, append }),
      (err: unknown) => {
        if (!controller.signal.aborted) dispatch({ type: "failed", seq: s.seq, error: err instanceof Error ? err.message : "Search failed" });
      },
    );
  }, []);

  useEffect(() => {
    if (!searchable(state)) return;
    const timer = setTimeout(() => load(false), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [state.seq, load]);

  useEffect(() => () => inflight.current?.abort(), []);

  const loadMore = useCallback(() => {
    const s = stateRef.current;
    if (s.next && s.status !== "loading") load(true);
  }, [load]);

  return { state, dispatch, loadMore };
}
