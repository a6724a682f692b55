/** The newest message read per room, kept in localStorage per user so unread counts survive reloads. */
const key = (userId: number) => `redis-chat:read:${userId}`;

export function loadReadMarks(userId: number): Record<string, string> {
  try {
    const raw = localStorage.getItem(key(userId));
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (!parsed || typeof parsed !== "object") return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === "string"));
  } catch {
    return {};
  }
}

export function saveReadMarks(userId: number, marks: Record<string, string>): void {
  try {
    localStorage.setItem(key(userId), JSON.stringify(marks));
  } catch {
    // Private mode or full storage: unread counts just start fresh next time.
  }
}
