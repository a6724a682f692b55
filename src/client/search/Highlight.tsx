import { useRichTextRenderer } from "../richtext/RichText.js";
import type { RichTextContext } from "../richtext/render.js";

/** Characters of context kept before the first match of a long message. */
const LEAD = 60;
const MAX_SHOWN = 280;

type Ranges = readonly (readonly [number, number])[];

/**
 * The part of a message a result shows: all of a short one; of a long one the stretch around its
 * first match, cut at spaces, with "…" where text was left out. `ranges` move with the text.
 */
export function snippet(text: string, ranges: Ranges): { text: string; ranges: [number, number][] } {
  const first = ranges[0]?.[0] ?? 0;
  let start = text.length > MAX_SHOWN && first > LEAD ? first - LEAD : 0;
  if (start > 0) {
    // From the start of a word: the first space after the cut, when it comes before the match.
    const space = text.slice(start, first).search(/\s/);
    if (space >= 0) start += space + 1;
  }
  let end = Math.min(text.length, start + MAX_SHOWN);
  if (end < text.length) {
    const space = text.slice(Math.max(start, first), end).search(/\s\S*$/);
    if (space > 0) end = Math.max(start, first) + space;
  }
  const before = start > 0 ? "… " : "";
  const after = end < text.length ? " …" : "";
  const shift = before.length - start;
  const kept = ranges
    .map(([from, to]) => [Math.max(from, start), Math.min(to, end)] as [number, number])
    .filter(([from, to]) => to > from)
    .map(([from, to]) => [from + shift, to + shift] as [number, number]);
  return { text: before + text.slice(start, end) + after, ranges: kept };
}

/** Formatted as in the timeline, nothing interactive (a result is one option), no mentions marked. */
const COMPACT: RichTextContext = { mention: () => null, compact: true };

/**
 * A message's text in a search result, formatted as in the timeline (Markdown, emoji), with its
 * matched words marked from the server's `ranges` (UTF-16 offsets into the stored text): React
 * elements, never HTML. Until the rich-text renderer is loaded: the plain text, marked the same.
 */
export function Highlight({ text, ranges }: { text: string; ranges: Ranges }) {
  const renderer = useRichTextRenderer();
  const shown = snippet(text, ranges);
  if (renderer) {
    return <div className="richtext search__text">{renderer.renderRichText(shown.text, { ...COMPACT, highlight: shown.ranges }).node}</div>;
  }
  const parts: { text: string; mark: boolean }[] = [];
  let at = 0;
  for (const [from, to] of shown.ranges) {
    if (from < at) continue;
    if (from > at) parts.push({ text: shown.text.slice(at, from), mark: false });
    parts.push({ text: shown.text.slice(from, to), mark: true });
    at = to;
  }
  if (at < shown.text.length) parts.push({ text: shown.text.slice(at), mark: false });
  return (
    <div className="richtext richtext--plain search__text">
      {parts.map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </div>
  );
}
