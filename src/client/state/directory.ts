import type { DirectoryRoom } from "../../protocol/index.js";

/** The directory of open rooms (`GET /rooms`, page by page), as the browse dialog shows it. */
export interface DirectoryState {
  rooms: readonly DirectoryRoom[];
  status: "idle" | "loading" | "ready" | "failed";
  error: string | null;
  /** The server's cursor for the next page (null: every room is loaded). */
  next: string | null;
  /** A next page is being loaded. */
  loadingMore: boolean;
  /** Rooms being joined right now (the button shows it and cannot be pressed twice). */
  joining: readonly string[];
}

export type DirectoryAction =
  | { type: "loading" }
  | { type: "loaded"; rooms: DirectoryRoom[]; next: string | null }
  | { type: "failed"; error: string }
  | { type: "moreLoading" }
  | { type: "moreLoaded"; rooms: DirectoryRoom[]; next: string | null }
  | { type: "moreFailed"; error: string }
  | { type: "joinStarted"; roomId: string }
  | { type: "joined"; roomId: string }
  | { type: "joinFailed"; roomId: string; error: string };

export const initialDirectory: DirectoryState = { rooms: [], status: "idle", error: null, next: null, loadingMore: false, joining: [] };

export function directoryReducer(state: DirectoryState, action: DirectoryAction): DirectoryState {
  switch (action.type) {
    case "loading":
      return { ...state, status: "loading", error: null, next: null, loadingMore: false };
    case "loaded":
      return { ...state, status: "ready", rooms: action.rooms, next: action.next, error: null };
    case "failed":
      return { ...state, status: "failed", error: action.error };
    case "moreLoading":
      return { ...state, loadingMore: true, error: null };
    case "moreLoaded": {
      // A room whose activity moved it between pages may come twice: kept where it was first seen.
      const seen = new Set(state.rooms.map((r) => r.id));
      return { ...state, loadingMore: false, next: action.next, rooms: [...state.rooms, ...action.rooms.filter((r) => !seen.has(r.id))] };
    }
    case "moreFailed":
      return { ...state, loadingMore: false, error: action.error };
    case "joinStarted":
      return state.joining.includes(action.roomId) ? state : { ...state, joining: [...state.joining, action.roomId], error: null };
    case "joined":
      return {
        ...state,
        joining: state.joining.filter((id) => id !== action.roomId),
        rooms: state.rooms.map((r) => (r.id === action.roomId && !r.joined ? { ...r, joined: true, memberCount: r.memberCount + 1 } : r)),
      };
    case "joinFailed":
      return { ...state, joining: state.joining.filter((id) => id !== action.roomId), error: action.error };
  }
}

/**
 * Rooms matching `filter` (name or topic, case-insensitive), in the server's order (newest activity
 * first): a next page goes below what is shown, never in between.
 */
export function filterDirectory(rooms: readonly DirectoryRoom[], filter: string): DirectoryRoom[] {
  const needle = filter.trim().toLowerCase();
  return rooms.filter((r) => !needle || r.name.toLowerCase().includes(needle) || r.topic.toLowerCase().includes(needle));
}
