import type { SessionGone } from "../../protocol/index.js";

/**
 * Requests answered 401 saying why the session is gone (`ErrorBody.ended`), from whichever part of
 * the page made them: the chat listens (useChat) and goes back to the sign-in form, which says why.
 * So a page that was offline when its session ended learns it from its first request back.
 */
type Listener = (ended: SessionGone) => void;
const listeners = new Set<Listener>();

export function onSessionGone(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function announceSessionGone(ended: SessionGone): void {
  for (const listener of [...listeners]) listener(ended);
}
