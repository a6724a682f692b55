import { findMentions } from "../../protocol/index.js";

export type MentionKind = "me" | "other";

export type TextPart = { kind: "text"; text: string } | { kind: "mention"; text: string; name: string; mention: MentionKind };

/**
 * Splits text into plain runs and the `@name` mentions that `resolve` recognises (by lower-cased
 * name; unknown names stay text). Mentions are found by the protocol's findMentions, the parser the
 * server uses to record them. Joining the parts' `text` gives the input back.
 */
export function splitMentions(text: string, resolve: (lowerName: string) => MentionKind | null): TextPart[] {
  if (!text.includes("@")) return [{ kind: "text", text }];
  const parts: TextPart[] = [];
  let last = 0;
  for (const token of findMentions(text)) {
    const kind = resolve(token.name.toLowerCase());
    if (!kind) continue;
    if (token.start > last) parts.push({ kind: "text", text: text.slice(last, token.start) });
    parts.push({ kind: "mention", text: text.slice(token.start, token.end), name: token.name, mention: kind });
    last = token.end;
  }
  if (last < text.length) parts.push({ kind: "text", text: text.slice(last) });
  return parts.length ? parts : [{ kind: "text", text }];
}

/** The `@partial` being typed just before the caret, for autocomplete; null when there is none. */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{0,32})$/.exec(before);
  if (!match) return null;
  return { start: caret - match[2]!.length - 1, query: match[2]! };
}

/** The text with the `@partial` at `start` (up to the caret) replaced by `@name `, and the new caret. */
export function completeMention(text: string, start: number, caret: number, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  const rest = text.slice(caret).replace(/^[A-Za-z0-9_.-]*/, "").replace(/^ /, "");
  return { text: text.slice(0, start) + inserted + rest, caret: start + inserted.length };
}

/** Someone the `@` autocomplete may offer. */
export interface MentionCandidate {
  id: number;
  username: string;
  displayName?: string;
}

/**
 * What the `@` autocomplete offers for `query`: people whose username, display name, or a word of
 * the display name starts with it (any case), each once, without me, by name, at most `max`.
 * `known` are the people this tab knows; `found` the directory's answer for the query (people
 * who never posted, offline).
 */
export function mentionSuggestions(
  known: readonly MentionCandidate[], found: readonly MentionCandidate[], query: string, myId: number | undefined, max: number,
): MentionCandidate[] {
  const q = query.toLowerCase();
  const byId = new Map<number, MentionCandidate>();
  // The directory's copy is the fresher one (its display name), so it goes in last.
  for (const person of [...known, ...found]) byId.set(person.id, { ...byId.get(person.id), ...person });
  const matches = (p: MentionCandidate) => p.username.toLowerCase().startsWith(q)
    || (p.displayName ?? "").toLowerCase().split(/\s+/).some((word) => word.startsWith(q));
  const label = (p: MentionCandidate) => p.displayName || p.username;
  return [...byId.values()]
    .filter((p) => p.id !== myId && matches(p))
    .sort((a, b) => label(a).localeCompare(label(b)))
    .slice(0, max);
}
