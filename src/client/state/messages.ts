import type { ChatMessage } from "../../protocol/index.js";
import { compareMessageIds } from "./ids.js";

/**
 * Merges incoming messages (a live batch, a history page newest-first, a catch-up page oldest-first)
 * into a room's list, which is kept oldest first. Each id appears once. When nothing is new the
 * original array is returned, so React can skip the re-render.
 */
export function mergeMessages(existing: readonly ChatMessage[], incoming: readonly ChatMessage[]): readonly ChatMessage[] {
  if (incoming.length === 0) return existing;
  const known = new Set(existing.map((m) => m.id));
  const fresh: ChatMessage[] = [];
  for (const message of incoming) {
    if (known.has(message.id)) continue;
    known.add(message.id);
    fresh.push(message);
  }
  if (fresh.length === 0) return existing;
  fresh.sort((a, b) => compareMessageIds(a.id, b.id));
  const last = existing[existing.length - 1];
  // Fast path: everything new comes after what we have (the usual live case).
  if (!last || compareMessageIds(fresh[0]!.id, last.id) > 0) return [...existing, ...fresh];
  return [...existing, ...fresh].sort((a, b) => compareMessageIds(a.id, b.id));
}

/** Only the messages of `incoming` that `existing` does not hold yet. */
export function newMessages(existing: readonly ChatMessage[], incoming: readonly ChatMessage[]): ChatMessage[] {
  const known = new Set(existing.map((m) => m.id));
  const out: ChatMessage[] = [];
  for (const m of incoming) {
    if (!known.has(m.id)) {
      known.add(m.id);
      out.push(m);
    }
  }
  return out;
}

export function newestId(messages: readonly ChatMessage[]): string | null {
  return messages.length ? messages[messages.length - 1]!.id : null;
}
