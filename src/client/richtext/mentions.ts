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
  /** Online people come first; unknown counts as offline. */
  online?: boolean;
}

/**
 * What the `@` autocomplete offers for `query` ("" for a bare `@`: everyone offered): people whose
 * username, display name, or a word of the display name starts with it (any case), each once,
 * without me, online first and then by name, at most `max`. `known` are the people of this place
 * or room as this tab knows them (their presence kept live); `found` the people directory's answer
 * for the query (people who never posted, offline).
 */
export function mentionSuggestions(
  known: readonly MentionCandidate[], found: readonly MentionCandidate[], query: string, myId: number | undefined, max: number,
): MentionCandidate[] {
  const q = query.toLowerCase();
  const byId = new Map<number, MentionCandidate>();
  for (const person of known) byId.set(person.id, { ...byId.get(person.id), ...person });
  // The directory's copy has the fresher display name; the live presence is the tab's.
  for (const person of found) {
    const mine = byId.get(person.id);
    byId.set(person.id, { ...mine, ...person, ...(mine?.online !== undefined ? { online: mine.online } : {}) });
  }
  const matches = (p: MentionCandidate) => p.username.toLowerCase().startsWith(q)
    || (p.displayName ?? "").toLowerCase().split(/\s+/).some((word) => word.startsWith(q));
  const label = (p: MentionCandidate) => p.displayName || p.username;
  return [...byId.values()]
    .filter((p) => p.id !== myId && matches(p))
    .sort((a, b) => Number(b.online ?? false) - Number(a.online ?? false) || label(a).localeCompare(label(b)))
    .slice(0, max);
}
