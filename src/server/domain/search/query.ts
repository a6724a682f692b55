import type { SearchHas } from "../../../protocol/index.js";
import { hasImage, hasLink, HAS_FILE_TERM, HAS_LINK_TERM, isStopWord, searchable, words, type IndexedMessage } from "./text.js";

/** One term the index must find: exactly, or as the start of a word (`depl` finds "deploy"). */
export interface TermSpec {
  term: string;
  prefix: boolean;
  /** Instead of `term`: any of these exact (pseudo-)terms, e.g. the authors `from:` means. */
  anyOf?: readonly string[];
  /** On `~has:file` (has:image): only messages with an image among their files are wanted; the index may leave out those surely without. */
  imagesOnly?: boolean;
}

/** A search as the index runs it: the filters of the query string and the operators in `q`, merged. */
export interface ParsedQuery {
  /** Every one must match (AND); empty only when the query has nothing the index can look up. */
  terms: TermSpec[];
  /** Word sequences that must appear in this order, checked on each candidate's text. */
  phrases: string[][];
  /** `from:name` / `from=`: a username or display name (search/authors.ts says whom it means). */
  from?: string;
  /** `in:#name` / `room=`: a room name (in:) or id (room=). */
  inRoomName?: string;
  roomId?: string;
  /** `has:image` reads the `~has:file` postings and keeps the messages with an image among their files. */
  has: Record<SearchHas, boolean>;
  /** Message id bounds (microseconds): before is exclusive, after is inclusive. */
  beforeId?: string;
  afterId?: string;
}

export class QueryError extends Error {}

const OPERATOR = /^(from|in|has|before|after):(.+)$/i;

/**
 * Reads a query: quoted phrases, operators (`from:mary in:#ops has:image before:2026-12-01
 * after:2026-11-01`) and words. A word is a prefix; a word that segments into several (a run of
 * Chinese or Japanese, `e-mail`) is a phrase of them. Dates are UTC days: `before:D` is before D
 * begins, `after:D` after D ends; a full ISO time is taken as is.
 */
export function parseQuery(
  q: string,
  filters: { room?: string; from?: string; before?: string; after?: string; has?: SearchHas } = {},
): ParsedQuery {
  const parsed: ParsedQuery = { terms: [], phrases: [], has: { link: false, file: false, image: false } };
  const seen = new Set<string>();
  const addTerm = (spec: TermSpec) => {
    const key = `${spec.prefix ? "*" : "="}${spec.term}`;
    if (!seen.has(key)) parsed.terms.push(spec), seen.add(key);
  };
  const addPhrase = (text: string) => {
    const sequence = words(text).map((w) => w.term);
    if (sequence.length === 0) return;
    if (sequence.length > 1) parsed.phrases.push(sequence);
    for (const term of sequence) if (!isStopWord(term)) addTerm({ term, prefix: false });
  };
  // Quoted names first (`from:"Anna Müller"`, `in:"release train"`), then quoted phrases, then
  // the rest word by word.
  const stopWords: string[] = [];
  const unquoted = q.replace(/(?<!\S)(from|in):"([^"]*)"?/gi, (_m, name: string, value: string) => {
    if (value.trim()) setName(parsed, name, value.trim());
    return " ";
  });
  const rest = unquoted.replace(/"([^"]*)"?/g, (_m, phrase: string) => (addPhrase(phrase), " "));
  for (const token of rest.split(/\s+/).filter(Boolean)) {
    const operator = OPERATOR.exec(token);
    if (operator) {
      const [, name, value] = operator as unknown as [string, string, string];
      switch (name.toLowerCase()) {
        case "from": case "in": setName(parsed, name, value); break;
        case "has": setHas(parsed, value.toLowerCase()); break;
        case "before": parsed.beforeId = dateBound(value, "before"); break;
        case "after": parsed.afterId = dateBound(value, "after"); break;
      }
      continue;
    }
    const found = words(token);
    if (found.length === 1) {
      const term = found[0]!.term;
      // A stop word is not indexed: outside quotes it is left out, unless it is all there is
      // (then it still finds the longer words it starts: `be` finds "beta").
      if (isStopWord(term)) stopWords.push(term);
      else addTerm({ term, prefix: true });
    } else if (found.length > 1) addPhrase(token);
  }
  if (parsed.terms.length === 0) for (const term of stopWords) addTerm({ term, prefix: true });
  if (filters.from) parsed.from = filters.from.replace(/^@/, "");
  if (filters.room) parsed.roomId = filters.room;
  if (filters.has) setHas(parsed, filters.has);
  if (filters.before) parsed.beforeId = dateBound(filters.before, "before");
  if (filters.after) parsed.afterId = dateBound(filters.after, "after");
  if (parsed.has.link) addTerm({ term: HAS_LINK_TERM, prefix: false });
  // Images have no postings of their own: a message's file types are not known before its store
  // script runs. Its files' postings find the candidates; matchMessage keeps those with an image.
  if (parsed.has.file || parsed.has.image) addTerm({ term: HAS_FILE_TERM, prefix: false, ...(parsed.has.image ? { imagesOnly: true } : {}) });
  return parsed;
}

function setName(parsed: ParsedQuery, operator: string, value: string): void {
  if (operator.toLowerCase() === "from") parsed.from = value.replace(/^@/, "");
  else parsed.inRoomName = value.replace(/^#/, "");
}

/** The values `has:` takes, as people type them (either number; a file is also an attachment). */
const HAS_VALUES: Record<string, SearchHas> = {
  link: "link", links: "link",
  file: "file", files: "file", attachment: "file", attachments: "file",
  image: "image", images: "image",
};

function setHas(parsed: ParsedQuery, value: string): void {
  const has = Object.hasOwn(HAS_VALUES, value) ? HAS_VALUES[value] : undefined;
  if (!has) throw new QueryError(`has: takes link, file or image, not "${value}"`);
  parsed.has[has] = true;
}

/** A date operator's value as a message id bound (microseconds since the epoch). */
function dateBound(value: string, side: "before" | "after"): string {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = Date.parse(day ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms)) throw new QueryError(`${side}: takes a date (YYYY-MM-DD), not "${value}"`);
  const bound = side === "after" && day ? ms + 86_400_000 : ms;
  // Ids sort by their digits (16 until the year 2286): a bound is written with as many.
  const micros = Math.max(0, bound) * 1000;
  return micros >= 1e16 ? "9999999999999999" : String(micros).padStart(16, "0");
}

/**
 * Whether a message matches the words, phrases and `has:` filters of a query (the index proposes
 * candidates; this decides), and where: the [start, end) UTF-16 ranges to highlight, in order.
 */
export function matchMessage(query: ParsedQuery, message: IndexedMessage): [number, number][] | undefined {
  const { words: found, linkText } = searchable(message);
  const ranges: [number, number][] = [];
  for (const spec of query.terms) {
    if (spec.term === HAS_LINK_TERM) {
      if (!hasLink(linkText)) return undefined;
      continue;
    }
    if (spec.term === HAS_FILE_TERM) {
      if (!Array.isArray(message.attachments) || message.attachments.length === 0) return undefined;
      if (query.has.image && !hasImage(message.attachments)) return undefined;
      continue;
    }
    const hits = found.filter((w) => (spec.prefix ? w.term.startsWith(spec.term) : w.term === spec.term));
    if (hits.length === 0) return undefined;
    for (const w of hits) ranges.push([w.start, w.end]);
  }
  for (const phrase of query.phrases) {
    let matched = false;
    for (let i = 0; i + phrase.length <= found.length; i++) {
      if (phrase.every((term, k) => found[i + k]!.term === term)) {
        matched = true;
        ranges.push([found[i]!.start, found[i + phrase.length - 1]!.end]);
      }
    }
    if (!matched) return undefined;
  }
  return mergeRanges(ranges);
}

function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else out.push([range[0], range[1]]);
  }
  return out;
}
