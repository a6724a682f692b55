/**
 * The exact text of one top-level member's value in a JSON object, as it was written: for an
 * envelope `{"serverId": 1, "type": "message", "data": {...}}`, `rawMemberText(raw, "data")` is the
 * message JSON as the publishing server serialised it, which is also what it stored in the room's
 * sorted set (seed servers serialise one object for both). Returns undefined when the text is not a
 * JSON object or has no such member. Linear, no allocation beyond the key strings.
 */
export function rawMemberText(text: string, wanted: string): string | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === " " || text[i] === "\n" || text[i] === "\r" || text[i] === "\t")) i++;
  };
  const skipString = (): boolean => {
    if (text[i] !== '"') return false;
    for (i++; i < n; i++) {
      if (text[i] === "\\") i++;
      else if (text[i] === '"') {
        i++;
        return true;
      }
    }
    return false;
  };
  const skipValue = (): boolean => {
    const c = text[i];
    if (c === '"') return skipString();
    if (c === "{" || c === "[") {
      let depth = 0;
      while (i < n) {
        const d = text[i];
        if (d === '"') {
          if (!skipString()) return false;
          continue;
        }
        if (d === "{" || d === "[") depth++;
        else if (d === "}" || d === "]") {
          depth--;
          if (depth === 0) {
            i++;
            return true;
          }
        }
        i++;
      }
      return false;
    }
    while (i < n && text[i] !== "," && text[i] !== "}" && text[i] !== "]") i++;
    return true;
  };
  ws();
  if (text[i] !== "{") return undefined;
  i++;
  for (;;) {
    ws();
    if (text[i] !== '"') return undefined;
    const keyStart = i;
    if (!skipString()) return undefined;
    let key: string;
    try {
      key = JSON.parse(text.slice(keyStart, i)) as string;
    } catch {
      return undefined;
    }
    ws();
    if (text[i] !== ":") return undefined;
    i++;
    ws();
    const start = i;
    if (!skipValue()) return undefined;
    let end = i;
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    if (key === wanted) return text.slice(start, end);
    ws();
    if (text[i] !== ",") return undefined;
    i++;
  }
}
