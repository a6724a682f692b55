/** Characters of context kept before the first match of a long message. */
const LEAD = 60;
const MAX_SHOWN = 280;

/**
 * A message's text with its matched words marked, from the server's `ranges` (UTF-16 offsets).
 * Rendered as text (React escapes it), never as HTML. A long message shows the part around its
 * first match.
 */
export function Highlight({ text, ranges }: { text: string; ranges: readonly (readonly [number, number])[] }) {
  const first = ranges[0]?.[0] ?? 0;
  const start = text.length > MAX_SHOWN && first > LEAD ? first - LEAD : 0;
  const end = Math.min(text.length, start + MAX_SHOWN);
  const parts: { text: string; mark: boolean }[] = [];
  let at = start;
  for (const [from, to] of ranges) {
    const a = Math.max(from, at);
    const b = Math.min(to, end);
    if (b <= a) continue;
    if (a > at) parts.push({ text: text.slice(at, a), mark: false });
    parts.push({ text: text.slice(a, b), mark: true });
    at = b;
  }
  if (at < end) parts.push({ text: text.slice(at, end), mark: false });
  return (
    <>
      {start > 0 && "…"}
      {parts.map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
      {end < text.length && "…"}
    </>
  );
}
