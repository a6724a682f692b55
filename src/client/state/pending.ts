import type { ChatMessage } from "../../protocol/index.js";

export type PendingStatus = "pending" | "failed";

/** A message typed here and not yet acknowledged by the server, keyed by its clientId. */
export interface PendingMessage {
  clientId: string;
  roomId: string;
  text: string;
  /** The message this one answers (a reply), sent along on every attempt. */
  replyTo?: string;
  status: PendingStatus;
  /** Milliseconds, local clock. */
  createdAt: number;
  error?: string;
}

/** How far the server's clock may be behind ours when matching an arrival to a local entry. */
const CLOCK_SKEW_MS = 60_000;

export type PendingMap = Readonly<Record<string, PendingMessage>>;

export function addPending(map: PendingMap, message: PendingMessage): PendingMap {
  return { ...map, [message.clientId]: message };
}

export function markFailed(map: PendingMap, clientId: string, error: string): PendingMap {
  const found = map[clientId];
  if (!found) return map;
  return { ...map, [clientId]: { ...found, status: "failed", error } };
}

/** A retry keeps the same clientId, so the server never stores the message twice. */
export function markRetrying(map: PendingMap, clientId: string): PendingMap {
  const found = map[clientId];
  if (!found) return map;
  const { error: _error, ...rest } = found;
  return { ...map, [clientId]: { ...rest, status: "pending" } };
}

export function removePending(map: PendingMap, clientId: string): PendingMap {
  if (!(clientId in map)) return map;
  const { [clientId]: _gone, ...rest } = map;
  return rest;
}

/**
 * A message of ours can arrive before its acknowledgement (another path: live delivery, catch-up
 * after a reconnect, or a send whose ack timed out but was stored). Each such new message settles
 * the oldest local entry of the same room and text, so it is never shown twice.
 */
export function settleByArrival(map: PendingMap, myId: number, arrived: readonly ChatMessage[]): PendingMap {
  let next = map;
  for (const message of arrived) {
    if (message.from !== myId) continue;
    let match: PendingMessage | undefined;
    for (const p of Object.values(next)) {
      if (p.roomId !== message.roomId || p.text !== message.message) continue;
      // A message stored well before this entry was typed is an older one with the same words.
      if (message.date * 1000 < p.createdAt - CLOCK_SKEW_MS) continue;
      if (!match || p.createdAt < match.createdAt) match = p;
    }
    if (match) next = removePending(next, match.clientId);
  }
  return next;
}

export function pendingForRoom(map: PendingMap, roomId: string): PendingMessage[] {
  return Object.values(map)
    .filter((p) => p.roomId === roomId)
    .sort((a, b) => a.createdAt - b.createdAt);
}

export function newClientId(random: () => string = defaultRandom): string {
  return `c${Date.now().toString(36)}-${random()}`;
}

function defaultRandom(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
