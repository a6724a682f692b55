import type { DirectoryRoom } from "../../protocol/index.js";

/** The directory of open rooms (`GET /rooms`), as the browse dialog shows it. */
export interface DirectoryState {
  rooms: readonly DirectoryRoom[];
  status: "idle" | "loading" | "ready" | "failed";
  error: string | null;
  /** Rooms being joined right now (the button shows it and cannot be pressed twice). */
  joining: readonly string[];
}

export type DirectoryAction =
  | { type: "loading" }
  | { type: "loaded"; rooms: DirectoryRoom[] }
  | { type: "failed"; error: string }
  | { type: "joinStarted"; roomId: string }
  | { type: "joined"; roomId: string }
  | { type: "joinFailed"; roomId: string; error: string };

export const initialDirectory: DirectoryState = { rooms: [], status: "idle", error: null, joining: [] };

export function directoryReducer(state: DirectoryState, action: DirectoryAction): DirectoryState {
  switch (action.type) {
    case "loading":
      return { ...state, status: "loading", error: null };
    case "loaded":
      return { ...state, status: "ready", rooms: action.rooms, error: null };
    case "failed":
      return { ...state, status: "failed", error: action.error };
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

/** Rooms matching `filter` (name or topic, case-insensitive), the most populated first, then by name. */
export function filterDirectory(rooms: readonly DirectoryRoom[], filter: string): DirectoryRoom[] {
  const needle = filter.trim().toLowerCase();
  return rooms
    .filter((r) => !needle || r.name.toLowerCase().includes(needle) || r.topic.toLowerCase().includes(needle))
    .sort((a, b) => b.memberCount - a.memberCount || a.name.localeCompare(b.name));
}
