/** Stable colour and initials for a name, so avatars need no network. */
export function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export function avatarHue(name: string): number {
  return hashName(name.toLowerCase()) % 360;
}

export function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  if (parts.length >= 2) return (parts[0]![0]! + parts[1]![0]!).toUpperCase();
  const word = parts[0] ?? name;
  return (Array.from(word).slice(0, 2).join("") || "?").toUpperCase();
}
