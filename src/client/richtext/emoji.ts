/**
 * Emoji helpers that need no data: shortcode replacement with a lookup given by the caller, and
 * the "only emoji" test behind big emoji. The shortcode table itself (GitHub's names, from
 * emojibase-data) lives in the lazily loaded rich-text chunk.
 */

/** `:name:` as typed: letters, digits, `_`, `+`, `-` (GitHub's names, e.g. `:+1:`, `:t-rex:`). */
const SHORTCODE = /:([a-z0-9_+-]{1,40}):/gi;

/** Replaces each known `:shortcode:` with its emoji; unknown ones stay as typed. */
export function replaceShortcodes(text: string, lookup: (name: string) => string | undefined): string {
  if (!text.includes(":")) return text;
  return text.replace(SHORTCODE, (whole, name: string) => lookup(name.toLowerCase()) ?? whole);
}

/** The emoji for an emojibase hexcode such as `1F44D` or `1F1FA-1F1F8`. */
export function emojiFromHexcode(hexcode: string): string {
  const points = hexcode.split("-").map((h) => parseInt(h, 16));
  const text = String.fromCodePoint(...points);
  // A lone symbol from the older blocks (❤, ☀) is drawn as text unless asked for as emoji.
  return points.length === 1 && points[0]! < 0x1f000 ? `${text}\uFE0F` : text;
}

const PICTOGRAPHIC = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
const segmenter = typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

/** Messages of at most this many emoji (and nothing else) are shown big. */
export const BIG_EMOJI_MAX = 3;

/**
 * How many emoji the text holds when it holds nothing but emoji and white space (0 otherwise).
 * Counts grapheme clusters, so 👍🏽, 👨‍👩‍👧 and 🇫🇷 are one each.
 */
export function emojiOnlyCount(text: string): number {
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > 64 || !segmenter) return 0;
  let count = 0;
  for (const { segment } of segmenter.segment(trimmed)) {
    if (/^\s+$/.test(segment)) continue;
    if (!PICTOGRAPHIC.test(segment)) return 0;
    count++;
  }
  return count;
}
