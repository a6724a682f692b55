import type { SearchHas, SearchPage, SearchResult } from "../../protocol/index.js";

/** The search panel's state: the query and its filters, the results so far and the next cursor. */
export interface SearchState {
  query: string;
  has: SearchHas | null;
  /** Only this room (a chip), or every room one is in. */
  roomId: string | null;
  results: SearchResult[];
  next: string | null;
  status: "idle" | "loading" | "done" | "error";
  error: string | null;
  /** Bumped by every change of query or filter: answers to an older one are ignored. */
  seq: number;
}

export type SearchAction =
  | { type: "query"; query: string }
  | { type: "has"; has: SearchHas | null }
  | { type: "room"; roomId: string | null }
  | { type: "loading" }
  | { type: "page"; seq: number; page: SearchPage; append: boolean }
  | { type: "failed"; seq: number; error: string };

export const initialSearch: SearchState = { query: "", has: null, roomId: null, results: [], next: null, status: "idle", error: null, seq: 0 };

export function searchReducer(state: SearchState, action: SearchAction): SearchState {
  switch (action.type) {
    case "query":
      return action.query === state.query ? state : { ...state, query: action.query, results: [], next: null, status: "idle", error: null, seq: state.seq + 1 };
    case "has":
      return { ...state, has: action.has, results: [], next: null, status: "idle", error: null, seq: state.seq + 1 };
    case "room":
      return { ...state, roomId: action.roomId, results: [], next: null, status: "idle", error: null, seq: state.seq + 1 };
    case "loading":
      return { ...state, status: "loading", error: null };
    case "page": {
      if (action.seq !== state.seq) return state;
      const seen = new Set(state.results.map(resultKey));
      const fresh = action.page.results.filter((r) => !seen.has(resultKey(r)));
      return { ...state, results: action.append ? [...state.results, ...fresh] : action.page.results, next: action.page.next, status: "done" };
    }
    case "failed":
      return action.seq === state.seq ? { ...state, status: "error", error: action.error } : state;
  }
}

export function resultKey(result: SearchResult): string {
  return `${result.roomId}/${result.message.id}`;
}

/** Whether the query can be searched: a word or a filter (`from:bob` alone lists Bob's messages). */
export function searchable(state: SearchState): boolean {
  return state.query.trim().length > 0 || state.has !== null || state.roomId !== null;
}

/** Results grouped by room, rooms in the order of their newest result, each room's results newest first. */
export function groupByRoom(results: readonly SearchResult[]): { roomId: string; results: SearchResult[] }[] {
  const groups = new Map<string, SearchResult[]>();
  for (const result of results) {
    const group = groups.get(result.roomId);
    if (group) group.push(result);
    else groups.set(result.roomId, [result]);
  }
  return [...groups].map(([roomId, list]) => ({ roomId, results: list }));
}
