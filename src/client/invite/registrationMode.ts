import { useEffect, useSyncExternalStore } from "react";
import type { RegistrationMode } from "../../protocol/index.js";
import { api } from "../api.js";

/**
 * How accounts are made here, as last heard: `GET /registration` each time a pointer shows (it is
 * shown rarely: only while nobody else is in the place), and `place.settings` when an administrator
 * changes it (the shell's socket events announce it), so the pointer follows at once.
 */
let current: RegistrationMode | null = null;
const listeners = new Set<() => void>();

export function announceRegistrationMode(mode: RegistrationMode): void {
  if (mode === current) return;
  current = mode;
  for (const listener of listeners) listener();
}

/** The mode, or null until the server has said it once in this page. */
export function useRegistrationMode(): RegistrationMode | null {
  const mode = useSyncExternalStore((on) => {
    listeners.add(on);
    return () => listeners.delete(on);
  }, () => current);
  useEffect(() => {
    api.registration().then((info) => announceRegistrationMode(info.mode), () => {});
  }, []);
  return mode;
}
