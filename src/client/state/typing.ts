import { TYPING_EXPIRES_MS } from "../../protocol/index.js";

/**
 * Who is typing where: room id -> user id -> when the indicator goes away (ms since the epoch).
 * A `typing` event renews it for TYPING_EXPIRES_MS; a message from that person ends it; nothing
 * is ever stored on the server.
 */
export type TypingMap = Readonly<Record<string, Readonly<Record<number, number>>>>;

export function typingStarted(map: TypingMap, roomId: string, userId: number, now: number): TypingMap {
  return { ...map, [roomId]: { ...map[roomId], [userId]: now + TYPING_EXPIRES_MS } };
}

export function typingStopped(map: TypingMap, roomId: string, userId: number): TypingMap {
  const room = map[roomId];
  if (!room || !(userId in room)) return map;
  const { [userId]: _gone, ...rest } = room;
  return { ...map, [roomId]: rest };
}

/** Drops indicators that have expired; the same map when none did. */
export function typingExpired(map: TypingMap, now: number): TypingMap {
  let changed = false;
  const out: Record<string, Record<number, number>> = {};
  for (const [roomId, users] of Object.entries(map)) {
    const kept: Record<number, number> = {};
    for (const [id, until] of Object.entries(users)) {
      if (until > now) kept[Number(id)] = until;
      else changed = true;
    }
    out[roomId] = kept;
  }
  return changed ? out : map;
}

/** The people typing in a room now (not me), in id order. */
export function typingIn(map: TypingMap, roomId: string, myId: number, now: number): number[] {
  return Object.entries(map[roomId] ?? {})
    .filter(([id, until]) => Number(id) !== myId && until > now)
    .map(([id]) => Number(id))
    .sort((a, b) => a - b);
}

/** "Pablo is typing…", "Pablo and Joe are typing…", "Several people are typing…", or "". */
export function typingLabel(names: readonly string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}

/** When the next indicator expires (ms), to schedule a re-render; null when none is shown. */
export function nextTypingExpiry(map: TypingMap): number | null {
  let next: number | null = null;
  for (const users of Object.values(map)) for (const until of Object.values(users)) if (next === null || until < next) next = until;
  return next;
}

/**
 * The sender's throttle: whether to emit `typing` now, given when it was last emitted for this
 * room (ms, or undefined). At most one per `throttleMs` while typing.
 */
export function shouldSendTyping(lastSentAt: number | undefined, now: number, throttleMs: number): boolean {
  return lastSentAt === undefined || now - lastSentAt >= throttleMs;
}
