import type { ChatMessage } from "../../protocol/index.js";
import { isAfter } from "./ids.js";

/** Messages from other people newer than the last one read. `null` means nothing read yet. */
export function countUnread(messages: readonly ChatMessage[], lastReadId: string | null, myId: number): number {
  let count = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (!isAfter(m.id, lastReadId)) break;
    if (m.from !== myId) count++;
  }
  return count;
}

export function totalUnread(counts: Iterable<number>): number {
  let total = 0;
  for (const c of counts) total += c;
  return total;
}

export function pageTitle(total: number, base = "Redis Chat"): string {
  if (total <= 0) return base;
  return `(${total > 99 ? "99+" : total}) ${base}`;
}
