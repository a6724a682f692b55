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

export function clockTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function fullTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, {
    weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
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
