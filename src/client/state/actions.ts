import { compareMessageIds, deletedReplyPreview, replyPreviewOf, type ChatMessage, type MessageReplyPreview, type LinkPreview, type Reaction, type RoomChange } from "../../protocol/index.js";

/**
 * Changes to stored messages (edits, deletions, reactions), as they arrive live or from the
 * room's change log on catch-up (`GET /room/:id/changes`). Pure functions on a room's message
 * list (oldest first); each returns the same array when nothing changed, so React skips the
 * re-render. Applying a change twice is harmless: each carries the whole new state.
 */

/** The list with `message` in place of the one with its id; its reactions and link previews stay when it has none. */
export function replaceMessage(list: readonly ChatMessage[], message: ChatMessage): readonly ChatMessage[] {
  const index = list.findIndex((m) => m.id === message.id);
  if (index < 0) return list;
  const before = list[index]!;
  const next: ChatMessage = {
    ...message,
    ...(message.reactions === undefined && before.reactions ? { reactions: before.reactions } : {}),
    ...(message.previews === undefined && before.previews ? { previews: before.previews } : {}),
  };
  if (JSON.stringify(before) === JSON.stringify(next)) return list;
  const out = [...list];
  out[index] = next;
  return out;
}

export function removeMessage(list: readonly ChatMessage[], id: string): readonly ChatMessage[] {
  const index = list.findIndex((m) => m.id === id);
  if (index < 0) return list;
  return [...list.slice(0, index), ...list.slice(index + 1)];
}

export function setReactions(list: readonly ChatMessage[], id: string, reactions: readonly Reaction[]): readonly ChatMessage[] {
  const index = list.findIndex((m) => m.id === id);
  if (index < 0) return list;
  const before = list[index]!;
  const { reactions: _old, ...rest } = before;
  const next: ChatMessage = reactions.length ? { ...rest, reactions: [...reactions] } : rest;
  if (JSON.stringify(before.reactions ?? []) === JSON.stringify(reactions)) return list;
  const out = [...list];
  out[index] = next;
  return out;
}

export function applyChange(list: readonly ChatMessage[], change: RoomChange): readonly ChatMessage[] {
  switch (change.type) {
    case "message.updated":
      return requoteReplies(replaceMessage(list, change.message), change.message.id, replyPreviewOf(change.message));
    case "message.deleted": {
      // Replies loaded here stop quoting it (no text of a deleted message stays on screen).
      const gone = list.find((m) => m.id === change.id);
      return requoteReplies(removeMessage(list, change.id), change.id, (before) => deletedReplyPreview(gone?.from ?? before?.from ?? 0));
    }
    case "reaction.updated":
      return setReactions(list, change.id, change.reactions);
    case "previews.updated":
      return setPreviews(list, change.id, change.previews);
  }
}

/**
 * The list with the quote of every reply to message `id` replaced: by `quote`, or by what
 * `quote(before)` answers given the reply's current quote.
 */
export function requoteReplies(
  list: readonly ChatMessage[],
  id: string,
  quote: MessageReplyPreview | ((before: MessageReplyPreview | undefined) => MessageReplyPreview),
): readonly ChatMessage[] {
  let out: ChatMessage[] | undefined;
  list.forEach((message, index) => {
    if (message.replyTo !== id) return;
    const next = typeof quote === "function" ? quote(message.reply) : quote;
    if (JSON.stringify(message.reply) === JSON.stringify(next)) return;
    out ??= [...list];
    out[index] = { ...message, reply: next };
  });
  return out ?? list;
}

/** The list with message `id`'s link previews replaced (`[]`: removed). */
export function setPreviews(list: readonly ChatMessage[], id: string, previews: readonly LinkPreview[]): readonly ChatMessage[] {
  const index = list.findIndex((m) => m.id === id);
  if (index < 0) return list;
  const before = list[index]!;
  if (JSON.stringify(before.previews ?? []) === JSON.stringify(previews)) return list;
  const { previews: _old, ...rest } = before;
  const out = [...list];
  out[index] = previews.length ? { ...rest, previews: [...previews] } : rest;
  return out;
}

/**
 * Orders change-log sequences `"<ms>-<n>"` (or a bare `<ms>`): by ms, then n, as numbers.
 * Returns <0, 0, >0.
 */
export function compareSeq(a: string, b: string): number {
  const [am = "0", an = "0"] = a.split("-");
  const [bm = "0", bn = "0"] = b.split("-");
  return compareMessageIds(am, bm) || compareMessageIds(an, bn);
}

/** The later of two cursors (null is earliest). */
export function laterSeq(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareSeq(a, b) >= 0 ? a : b;
}

/** The message one would edit with Up-arrow: one's newest message in the list, or null. */
export function lastOwnMessage(list: readonly ChatMessage[], myId: number): ChatMessage | null {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.from === myId) return list[i]!;
  return null;
}

/** Whether `userId` is among those who reacted with `emoji` on the message. */
export function hasReacted(message: ChatMessage, emoji: string, userId: number): boolean {
  return message.reactions?.some((r) => r.emoji === emoji && r.users.includes(userId)) ?? false;
}

/** The reactions after `userId` toggles `emoji` (what the server will answer), for an optimistic update. */
export function toggleReaction(reactions: readonly Reaction[], emoji: string, userId: number): Reaction[] {
  const out: Reaction[] = [];
  let found = false;
  for (const r of reactions) {
    if (r.emoji !== emoji) {
      out.push(r);
      continue;
    }
    found = true;
    const users = r.users.includes(userId) ? r.users.filter((u) => u !== userId) : [...r.users, userId];
    if (users.length) out.push({ emoji, users });
  }
  if (!found) out.push({ emoji, users: [userId] });
  return out;
}
