import { useSyncExternalStore } from "react";

/**
 * The place's name as last heard (sign-in page state, GET /place/state after sign-in, `place.settings`
 * when an administrator renames it): the sidebar header, the tab title and the words that name the
 * app follow it. It is remembered in this browser, so the next visit is titled with it from the
 * first frame rather than with the software's name until the server answers.
 */
const STORAGE_KEY = "redis-chat:place-name";
let current = remembered();
const listeners = new Set<() => void>();

function remembered(): string {
  try {
    return typeof localStorage === "undefined" ? "" : localStorage.getItem(STORAGE_KEY) ?? "";
  } catch {
    return "";
  }
}

export function setPlaceName(name: string): void {
  if (!name || name === current) return;
  current = name;
  try {
    localStorage.setItem(STORAGE_KEY, name);
  } catch {
    // Storage refused (private mode, full): the name still shows for this visit.
  }
  for (const listener of listeners) listener();
}

/** The place's name, or "" before it has ever been heard in this browser. */
export function placeName(): string {
  return current;
}

export function usePlaceName(): string {
  return useSyncExternalStore((on) => {
    listeners.add(on);
    return () => listeners.delete(on);
  }, placeName);
}
