/**
 * Words of a message as the search index sees them: Unicode word segmentation (Intl.Segmenter,
 * which splits Chinese and Japanese by dictionary), then one normal form per word (case folded,
 * accents stripped, compatibility forms unified), so that `deja` finds "Déjà" and `ＡＢＣ` finds "abc".
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
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The normal form of one word: NFKD, marks removed, lower case, NFC. */
export function normalizeTerm(word: string): string {
  const folded = word.normalize("NFKD").replace(MARKS, "").toLowerCase().normalize("NFC");
  const bytes = encoder.encode(folded);
  if (bytes.length <= MAX_TERM_BYTES) return folded;
  // Cut on a character boundary (the decoder drops a partial last character).
  return decoder.decode(bytes.subarray(0, MAX_TERM_BYTES)).replace(/\uFFFD$/, "");
}

/** Every word of `text`, in order (stop words included). */
export function words(text: string): Word[] {
  const out: Word[] = [];
  for (const segment of segmenter.segment(text)) {
    if (!segment.isWordLike) continue;
    const term = normalizeTerm(segment.segment);
    if (term) out.push({ term, start: segment.index, end: segment.index + segment.segment.length });
  }
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

/**
 * What of a message the index needs: its text, and whether it carries files (attachments: the
 * stored records, or only their ids when the store script has not added their lines yet).
 */
export interface IndexedMessage {
  message: string;
  attachments?: unknown;
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

/** The distinct terms a message is indexed under: its words (no stop words) and its `has:` pseudo-terms. */
export function indexTerms(message: IndexedMessage): string[] {
  const terms = new Set<string>();
  const { words: found, linkText } = searchable(message);
  for (const word of found) if (!isStopWord(word.term)) terms.add(word.term);
  if (hasLink(linkText)) terms.add(HAS_LINK_TERM);
  if (Array.isArray(message.attachments) && message.attachments.length > 0) terms.add(HAS_FILE_TERM);
  return [...terms];
}
