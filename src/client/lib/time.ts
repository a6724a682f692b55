/** Time labels. Dates are Unix seconds (as the server sends them); `now` is milliseconds. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function dayKey(seconds: number): string {
  const d = new Date(seconds * 1000);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

// One formatter each, made on first use: toLocaleString with options builds a new one every call,
// which every row drawn paid twice (its time and its title).
let clockFormat: Intl.DateTimeFormat | undefined;
let fullFormat: Intl.DateTimeFormat | undefined;

let dateTimeFormat: Intl.DateTimeFormat | undefined;

/**
 * A moment as administration and settings say it ("Dec 6, 2026, 11:18 AM"): audit entries,
 * invitations and reset links expiring, bans, sessions last used. `ms`: milliseconds.
 */
export function dateTime(ms: number): string {
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  return dateTimeFormat.format(ms);
}

export function clockTime(seconds: number): string {
  clockFormat ??= new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  return clockFormat.format(seconds * 1000);
}

export function fullTime(seconds: number): string {
  fullFormat ??= new Intl.DateTimeFormat(undefined, {
    weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  return fullFormat.format(seconds * 1000);
}

/** "just now", "5 min", "2 h" within the hour or day; otherwise the clock time. For messages. */
export function messageTime(seconds: number, now: number): string {
  const age = now - seconds * 1000;
  if (age < MINUTE) return "just now";
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min`;
  return clockTime(seconds);
}

/** For the chat list: "just now", "5 min", "14:05" today, "Yesterday", a weekday, then a date. */
export function listTime(seconds: number, now: number): string {
  const ms = seconds * 1000;
  const age = now - ms;
  if (age < MINUTE) return "just now";
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min`;
  const today = startOfDay(now);
  if (ms >= today) return clockTime(seconds);
  if (ms >= today - 86_400_000) return "Yesterday";
  if (ms >= today - 6 * 86_400_000) return new Date(ms).toLocaleDateString(undefined, { weekday: "short" });
  return new Date(ms).toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

/** The label of a day separator. */
export function dayLabel(seconds: number, now: number): string {
  const ms = seconds * 1000;
  const today = startOfDay(now);
  if (ms >= today) return "Today";
  if (ms >= today - 86_400_000) return "Yesterday";
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return new Date(ms).toLocaleDateString(undefined, {
    weekday: "long", day: "numeric", month: "long", ...(sameYear ? {} : { year: "numeric" }),
  });
}

/**
 * Phrases inside the app's English sentences use English rules (plural forms, "in 1 week"), so a
 * sentence never mixes languages; dates and clock times above follow the browser's locale.
 */
const PHRASE_LANG = "en";
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** A stretch of time in the largest unit it fills: 7 days (or 6 days 20 hours) is a week. */
function sizeOf(ms: number): { value: number; unit: "week" | "day" | "hour" | "minute" } {
  const abs = Math.abs(ms);
  const days = Math.round(abs / DAY);
  if (abs >= WEEK - HOUR * 12 && days % 7 === 0) return { value: days / 7, unit: "week" };
  if (abs >= DAY - HOUR / 2) return { value: days, unit: "day" };
  if (abs >= HOUR - MINUTE / 2) return { value: Math.round(abs / HOUR), unit: "hour" };
  return { value: Math.max(1, Math.round(abs / MINUTE)), unit: "minute" };
}

/** "in 1 week", "3 days ago": how far `at` is from `now` (both ms). */
export function relativeText(at: number, now: number): string {
  const { value, unit } = sizeOf(at - now);
  return new Intl.RelativeTimeFormat(PHRASE_LANG, { numeric: "always" }).format(at >= now ? value : -value, unit);
}

/** "1 use", "100 uses": a count with its noun in the right form. */
export function countText(count: number, one: string, other: string): string {
  const form = new Intl.PluralRules(PHRASE_LANG).select(count) === "one" ? one : other;
  return `${new Intl.NumberFormat(PHRASE_LANG).format(count)} ${form}`;
}
