import { useSyncExternalStore } from "react";

/**
 * The place's name as last heard (sign-in page state, GET /place/state after sign-in, `place.settings`
 * when an administrator renames it): the sidebar header and the tab title follow it.
 */
let current = "";
const listeners = new Set<() => void>();

export function setPlaceName(name: string): void {
  if (!name || name === current) return;
  current = name;
  for (const listener of listeners) listener();
}

export function placeName(): string {
  return current;
}

export function usePlaceName(): string {
  return useSyncExternalStore((on) => {
    listeners.add(on);
    return () => listeners.delete(on);
  }, placeName);
}
