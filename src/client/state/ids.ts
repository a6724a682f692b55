/**
 * Message ids are decimal strings that sort in time order within a room. They may exceed
 * Number.MAX_SAFE_INTEGER, so compare them as strings: shorter is smaller, then lexicographic.
 */
export function compareMessageIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isAfter(id: string, than: string | null): boolean {
  return than === null || compareMessageIds(id, than) > 0;
}
