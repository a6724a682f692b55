/** The time now in a person's time zone ("14:05"), or null without one (or an unknown one). */
export function localTime(timeZone: string, now: Date): string | null {
  if (!timeZone) return null;
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone, hour: "2-digit", minute: "2-digit" }).format(now);
  } catch {
    return null;
  }
}
