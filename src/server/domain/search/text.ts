import { INLINE_IMAGE_TYPES } from "../../../protocol/index.js";

/**
 * Words of a message as the search index sees them: Unicode word segmentation (Intl.Segmenter,
 * which splits Chinese and Japanese by dictionary), then one normal form per word (case folded,
 * accents stripped, compatibility forms unified), so that `deja` finds "Déjà", `ＡＢＣ` finds "abc",
 * `strasse` finds "Straße" and `file` finds "ﬁle".
 *
 * Changing `foldText` changes the terms messages are indexed under: messages indexed before are
 * found by their old terms only until `npm run search:reindex` (docs/data-model.md, "Search").
 */

/** A word of a text: its normal form and where it is in the original text (UTF-16 offsets). */
export interface Word {
  term: string;
  start: number;
  end: number;
}

/** Longest term indexed, in UTF-8 bytes (longer words are cut: a key stays short). */
const MAX_TERM_BYTES = 48;

/**
 * Words too common to be worth a posting each (they are ~40% of English chat words). They are
 * still matched inside quoted phrases and highlighted, since phrases are checked on the text.
 */
const STOP_WORDS = new Set(
  "a an and are as at be but by for if in into is it no not of on or so such that the their then there these they this to was will with i you we he she me my our your".split(" "),
);

const segmenter = new Intl.Segmenter("und", { granularity: "word" });
const MARKS = /\p{M}+/gu;
const ASCII = /^[\x00-\x7f]*$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Letters that lower case and NFKD leave apart from what people type for them: the full case folds
 * that matter (ß and ẞ are ss, final ς is σ; ﬁ-style ligatures and ſ are NFKD's), and letters whose
 * "accent" is a stroke or a ligature rather than a combining mark (Łódź is lodz, cœur is coeur).
 */
const FOLDS: Record<string, string> = { ß: "ss", ς: "σ", ı: "i", ł: "l", ø: "o", đ: "d", ħ: "h", ŧ: "t", æ: "ae", œ: "oe" };
const FOLDED = new RegExp(`[${Object.keys(FOLDS).join("")}]`, "gu");

/**
 * Text folded for comparison, case and accents aside: NFKD, marks removed, lower case, the folds
 * above, NFC. Words are indexed and looked up in this form; people's and rooms' names are compared
 * in it (`from:muller` is Müller).
 */
export function foldText(text: string): string {
  return text.normalize("NFKD").replace(MARKS, "").toLowerCase().replace(FOLDED, (c) => FOLDS[c]!).normalize("NFC");
}

/** The normal form of one word (foldText), cut to MAX_TERM_BYTES. */
export function normalizeTerm(word: string): string {
  // Plain ASCII (most words) has no marks nor compatibility forms: lower case is all of it.
  if (ASCII.test(word)) return word.length <= MAX_TERM_BYTES ? word.toLowerCase() : word.slice(0, MAX_TERM_BYTES).toLowerCase();
  const folded = foldText(word);
  // A UTF-16 unit is at most 3 bytes of UTF-8: short words need no encoding to be measured.
  if (folded.length * 3 <= MAX_TERM_BYTES) return folded;
  const bytes = encoder.encode(folded);
  if (bytes.length <= MAX_TERM_BYTES) return folded;
  // Cut on a character boundary (the decoder drops a partial last character).
  return decoder.decode(bytes.subarray(0, MAX_TERM_BYTES)).replace(/\uFFFD$/, "");
}

/**
 * What an ASCII character is to Unicode word segmentation (UAX #29 as ICU applies it): the
 * characters words are made of, and those that join two letters or two digits into one word
 * (`don't`, `e.g`, `a:b`, `3.14`, `1,000`). Every other ASCII character is a word boundary.
 */
const enum WordChar {
  Other,
  Letter,
  Digit,
  /** `_` (ExtendNumLet): joins anything it touches; alone it is not a word. */
  Underscore,
  /** `.` `'` (MidNumLet, Single_Quote): inside a word between two letters or two digits */
  MidNumLet,
  /** `,` `;` (MidNum): between two digits */
  MidNum,
  /** `:` (MidLetter): between two letters */
  MidLetter,
}

const WORD_CHARS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  WORD_CHARS[c] = /[A-Za-z]/.test(ch) ? WordChar.Letter : /[0-9]/.test(ch) ? WordChar.Digit : ch === "_" ? WordChar.Underscore
    : ch === "." || ch === "'" ? WordChar.MidNumLet : ch === "," || ch === ";" ? WordChar.MidNum : ch === ":" ? WordChar.MidLetter : WordChar.Other;
}

/**
 * The words of text[from, to), all ASCII, as Intl.Segmenter finds them (checked at start-up, see
 * ASCII_FAST_PATH, and by test/search/word-segmentation.test.ts). Intl.Segmenter costs about
 * 1 µs per character and 10 µs more per call (and allocates per segment): on the hot path (every
 * message's terms, computed before the store script) most text is ASCII.
 */
function asciiWords(text: string, from: number, to: number, out: Word[]): void {
  const at = (i: number) => (i < to ? WORD_CHARS[text.charCodeAt(i)]! : WordChar.Other);
  for (let i = from; i < to; ) {
    const first = at(i);
    if (first !== WordChar.Letter && first !== WordChar.Digit && first !== WordChar.Underscore) {
      i++;
      continue;
    }
    const start = i;
    let last = first;
    for (i++; i < to; ) {
      const c = at(i);
      if (c === WordChar.Letter || c === WordChar.Digit || c === WordChar.Underscore) {
        last = c;
        i++;
      } else if (last === WordChar.Letter && (c === WordChar.MidNumLet || c === WordChar.MidLetter) && at(i + 1) === WordChar.Letter) {
        i += 2;
      } else if (last === WordChar.Digit && (c === WordChar.MidNumLet || c === WordChar.MidNum) && at(i + 1) === WordChar.Digit) {
        i += 2;
      } else break;
    }
    if (i - start === 1 && first === WordChar.Underscore) continue;
    const term = text.slice(start, i).toLowerCase();
    out.push({ term: term.length <= MAX_TERM_BYTES ? term : term.slice(0, MAX_TERM_BYTES), start, end: i });
  }
}

function segmenterWords(text: string, from: number, to: number, out: Word[]): void {
  for (const segment of segmenter.segment(from === 0 && to === text.length ? text : text.slice(from, to))) {
    if (!segment.isWordLike) continue;
    const term = normalizeTerm(segment.segment);
    if (term) out.push({ term, start: from + segment.index, end: from + segment.index + segment.segment.length });
  }
}

function isAsciiSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/**
 * Every word of `text`, in order (stop words included), with Intl.Segmenter's boundaries. The text
 * is read in pieces cut after ASCII white space followed by an ASCII character that is not (a
 * boundary whatever the text: no segmentation rule joins across it): ASCII pieces by asciiWords,
 * the others (a word with an accent, a run of CJK) by Intl.Segmenter.
 */
export function words(text: string): Word[] {
  const out: Word[] = [];
  if (!ASCII_FAST_PATH) {
    segmenterWords(text, 0, text.length, out);
    return out;
  }
  let start = 0;
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128) ascii = false;
    else if (i > start && !isAsciiSpace(code) && isAsciiSpace(text.charCodeAt(i - 1))) {
      (ascii ? asciiWords : segmenterWords)(text, start, i, out);
      start = i;
      ascii = true;
    }
  }
  if (start < text.length) (ascii ? asciiWords : segmenterWords)(text, start, text.length, out);
  return out;
}

/**
 * Texts whose ASCII words the fast path must find as this runtime's Intl.Segmenter does (its ICU
 * decides, e.g., whether `:` joins letters); should one differ, every text goes to the segmenter.
 */
const SELF_CHECK = [
  "don't 'tis a.b.c e.g. a..b 3.14 1,000.50 1;2 a;b a,b a:b a::b https://x.y/z?q=1&r=_2#h",
  "_ __ a_ _1 1_ _a a_.b 1.a a.1 a'1 1'2 x1.y2 v1.2.3 a-b a/b C++ foo_bar__baz 'quoted' \"dq\"",
  "\t tab\tsep\r\nnew\vline\fform  two  spaces ~!@#$%^&*()[]{}<>|\\=+-? a", 
  "{\"r\":1,\"s\":3,\"k\":12345,\"t\":1796545393166.123}",
];
const ASCII_FAST_PATH = SELF_CHECK.every((text) => {
  const fast: Word[] = [];
  const icu: Word[] = [];
  asciiWords(text, 0, text.length, fast);
  segmenterWords(text, 0, text.length, icu);
  return fast.length === icu.length && fast.every((w, i) => w.term === icu[i]!.term && w.start === icu[i]!.start && w.end === icu[i]!.end);
});

/** Whether ASCII text is segmented without Intl.Segmenter here (for tests). */
export const asciiFastPath = (): boolean => ASCII_FAST_PATH;

/** Every word of `text` by Intl.Segmenter alone (for tests: what `words` must equal). */
export function segmenterWordsOf(text: string): Word[] {
  const out: Word[] = [];
  segmenterWords(text, 0, text.length, out);
  return out;
}

export function isStopWord(term: string): boolean {
  return STOP_WORDS.has(term);
}

/** Links as the client shows them (richtext/links.ts recognises http(s) URLs and www. hosts). */
const LINK = /\bhttps?:\/\/\S|\bwww\.[^\s.]+\.\S/i;

export function hasLink(text: string): boolean {
  return LINK.test(text);
}

/** Pseudo-terms for the `has:` filters: `~` never starts a word, so they cannot collide with one. */
export const HAS_LINK_TERM = "~has:link";
export const HAS_FILE_TERM = "~has:file";
/** The pseudo-term of one author's messages in a room: `from:` reads it instead of the room's history. */
export const authorTerm = (userId: number) => `~from:${userId}`;

/**
 * What of a message the index needs: its text, and whether it carries files (attachments: the
 * stored records, or only their ids when the store script has not added their lines yet).
 */
export interface IndexedMessage {
  message: string;
  attachments?: unknown;
  /** The author's user id: indexed as the pseudo-term authorTerm(from), which `from:` looks up. */
  from?: number;
}

/**
 * Whether a message's stored files (the records its member holds) include an image: a raster type
 * the client shows inline, as the upload sniffed it (an SVG is a download, not an image here).
 */
export function hasImage(attachments: unknown): boolean {
  return Array.isArray(attachments) && attachments.some((a) =>
    typeof a === "object" && a !== null && INLINE_IMAGE_TYPES.includes((a as { type?: unknown }).type as string));
}

/** The records (id, name) of a message's files; none for ids alone or anything malformed. */
function fileRecords(attachments: unknown): { id: string; name: string }[] {
  if (!Array.isArray(attachments)) return [];
  return attachments.filter((a): a is { id: string; name: string } =>
    typeof a === "object" && a !== null && typeof (a as { id?: unknown }).id === "string" && typeof (a as { name?: unknown }).name === "string");
}

/**
 * The searchable words of a message and the text that may hold its links. A message with files
 * has, after its caption, one line per file that the server writes for older clients (`📎 name
 * /room/R/attachments/ID`, protocol's attachmentFallbackLine): of such a line only the file's name
 * is words of the message (the path would make `room` or `attachments` find every file, and its
 * random id is a word no one types). Positions stay those of the stored text (highlighting).
 */
export function searchable(message: IndexedMessage): { words: Word[]; linkText: string } {
  const files = fileRecords(message.attachments);
  const all = words(message.message);
  if (files.length === 0) return { words: all, linkText: message.message };
  // [start, end) of each file line, and of the name inside it.
  const lines: { start: number; end: number; nameStart: number; nameEnd: number }[] = [];
  let at = 0;
  for (const line of message.message.split("\n")) {
    const file = files.find((f) => line.startsWith(`📎 ${f.name} /room/`) && line.endsWith(`/attachments/${f.id}`));
    if (file) {
      const nameStart = at + "📎 ".length;
      lines.push({ start: at, end: at + line.length, nameStart, nameEnd: nameStart + file.name.length });
    }
    at += line.length + 1;
  }
  if (lines.length === 0) return { words: all, linkText: message.message };
  const kept = all.filter((w) => {
    const line = lines.find((l) => w.start >= l.start && w.start < l.end);
    return !line || (w.start >= line.nameStart && w.end <= line.nameEnd);
  });
  return { words: kept, linkText: message.message.slice(0, Math.max(0, lines[0]!.start - 1)) };
}

/** The terms of a file's name (the store script adds them to its message's: see attachments.ts). */
export function fileNameTerms(name: string): string[] {
  return [...new Set(words(name).map((w) => w.term).filter((t) => !isStopWord(t)))];
}

/** The distinct terms a message is indexed under: its words (no stop words), its `has:` and author pseudo-terms. */
export function indexTerms(message: IndexedMessage): string[] {
  const terms = new Set<string>();
  const { words: found, linkText } = searchable(message);
  for (const word of found) if (!isStopWord(word.term)) terms.add(word.term);
  if (hasLink(linkText)) terms.add(HAS_LINK_TERM);
  if (Array.isArray(message.attachments) && message.attachments.length > 0) terms.add(HAS_FILE_TERM);
  if (Number.isSafeInteger(message.from) && message.from! > 0) terms.add(authorTerm(message.from!));
  return [...terms];
}
