/**
 * `@name` mentions in message text, shared by the server (which records the mentioned members'
 * ids in the stored message) and the client (which highlights them and autocompletes names).
 *
 * A mention is `@` followed by a username (letters, digits, `_ . -`, at most 32), at the start of
 * the text or after a character that is not a letter, digit or one of `_ . - @` (so `a@b.com` is an
 * address, not a mention). A trailing `.` or `-` is punctuation, not part of the name
 * ("thanks @pablo."). Text inside inline code spans (`` `...` ``) and fenced code blocks
 * (```` ``` ````) never mentions anyone: code is quoted, not addressed.
 */

export const MAX_MENTIONS_PER_MESSAGE = 20;

export interface MentionToken {
  /** The name as typed, without the `@`. */
  name: string;
  /** UTF-16 offsets in the text: `text.slice(start, end)` is `@name`. */
  start: number;
  end: number;
}

const NAME_CHAR = /[A-Za-z0-9_.-]/;
const BLOCKING_BEFORE = /[A-Za-z0-9_.@-]/;

/**
 * Every `@name` token outside code, in text order (duplicates included). Pure; never throws.
 * Complexity is linear in the text length.
 */
export function findMentions(text: string): MentionToken[] {
  const out: MentionToken[] = [];
  const codeRanges = codeSpans(text);
  let range = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "@") continue;
    while (range < codeRanges.length && codeRanges[range]![1] <= i) range++;
    const code = codeRanges[range];
    if (code && code[0] <= i && i < code[1]) {
      i = code[1] - 1;
      continue;
    }
    if (i > 0 && BLOCKING_BEFORE.test(text[i - 1]!)) continue;
    let end = i + 1;
    while (end < text.length && end - i - 1 < 33 && NAME_CHAR.test(text[end]!)) end++;
    // A name longer than a username can be is not a mention of anyone.
    if (end - i - 1 > 32) continue;
    while (end > i + 1 && (text[end - 1] === "." || text[end - 1] === "-")) end--;
    if (end === i + 1) continue;
    out.push({ name: text.slice(i + 1, end), start: i, end });
    i = end - 1;
  }
  return out;
}

/**
 * The distinct names mentioned in the text (compared case-insensitively, first spelling kept),
 * in text order, at most MAX_MENTIONS_PER_MESSAGE.
 */
export function extractMentions(text: string): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const { name } of findMentions(text)) {
    const key = name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    names.push(name);
    if (names.length === MAX_MENTIONS_PER_MESSAGE) break;
  }
  return names;
}

/**
 * [start, end) ranges of code: fenced blocks (a line starting with ``` up to the next such line, or
 * the end of the text) and inline spans (a run of n backticks up to the next run of exactly n).
 * An unclosed inline run is literal text, as in CommonMark.
 */
export function codeSpans(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== "`") {
      i++;
      continue;
    }
    let run = i;
    while (run < text.length && text[run] === "`") run++;
    const ticks = run - i;
    const atLineStart = i === 0 || text[i - 1] === "\n";
    if (ticks >= 3 && atLineStart) {
      const fence = "`".repeat(ticks);
      const close = text.indexOf("\n" + fence, run);
      const end = close === -1 ? text.length : close + 1 + ticks;
      ranges.push([i, end]);
      i = end;
      continue;
    }
    let search = run;
    let closed = -1;
    while (search < text.length) {
      const next = text.indexOf("`", search);
      if (next === -1) break;
      let nextRun = next;
      while (nextRun < text.length && text[nextRun] === "`") nextRun++;
      if (nextRun - next === ticks) {
        closed = nextRun;
        break;
      }
      search = nextRun;
    }
    if (closed === -1) {
      i = run;
      continue;
    }
    ranges.push([i, closed]);
    i = closed;
  }
  return ranges;
}
