import type React from "react";
import { useSyncExternalStore } from "react";

/**
 * One shared clock for relative labels ("5 min", "Yesterday"): a single timer, and only the
 * components that read it (time labels, the room list) re-render when it ticks, not every message row.
 */
const listeners = new Set<() => void>();
let current = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;
const EVERY_MS = 30_000;

function tick(): void {
  current = Date.now();
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    current = Date.now();
    timer = setInterval(tick, EVERY_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

// The browser benchmark (`npm run bench -- --scenario list`) ticks the clock at once to time a tick.
if (typeof window !== "undefined") (window as unknown as { __chatClockTick?: () => void }).__chatClockTick = tick;

/** The current time, refreshed every 30 seconds. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, () => current);
}

/** Renders `children(now)` and re-renders only it on each tick (its parent does not re-render). */
export function WithNow({ children }: { children: (now: number) => React.ReactNode }): React.ReactNode {
  return children(useNow());
}
