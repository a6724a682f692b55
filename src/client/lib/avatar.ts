/** Stable colour, pattern and initials for a person or room, so avatars need no network. */
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

/** Overlays drawn over the colour (see components/Avatar.tsx); index 0 is a plain disc. */
export const AVATAR_PATTERNS = ["plain", "band", "lower", "ring", "corner", "split", "wedge", "dots"] as const;
export type AvatarPattern = (typeof AVATAR_PATTERNS)[number];

const HUES = 15; // 24 degrees apart: neighbours are still told apart
const SHADES = 2;
const STYLES = HUES * AVATAR_PATTERNS.length * SHADES; // 240
/** Coprime with STYLES, so consecutive user ids land far apart and any 240 consecutive ids differ. */
const SPREAD = 97;

export interface AvatarStyle {
  /** Degrees, 0-359. */
  hue: number;
  /** HSL lightness in percent. */
  lightness: number;
  pattern: AvatarPattern;
}

/**
 * The look of an avatar. A user id (the seed's `INCR total_users`) maps one-to-one onto the 240
 * styles for every 240 consecutive ids, so 50 people called "Jo…" who signed up around the same
 * time never share one; other keys (room names) go through a hash.
 */
export function avatarStyle(key: number | string): AvatarStyle {
  const n = typeof key === "number" && Number.isSafeInteger(key) && key >= 0
    ? (key * SPREAD) % STYLES
    : hashName(String(key).toLowerCase()) % STYLES;
  const hueIndex = n % HUES;
  const rest = Math.floor(n / HUES);
  return {
    hue: Math.round((hueIndex * 360) / HUES + 8) % 360,
    lightness: rest % SHADES === 0 ? 42 : 32,
    pattern: AVATAR_PATTERNS[Math.floor(rest / SHADES) % AVATAR_PATTERNS.length]!,
  };
}
