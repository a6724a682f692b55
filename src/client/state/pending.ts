import { z } from "zod";
import { Attachment, ClientId, MAX_ATTACHMENTS_PER_MESSAGE, MessageId, messageCaption, RoomId, type ChatMessage } from "../../protocol/index.js";

/**
 * `pending`: to be sent (or on its way): the outbox sends these one at a time, oldest first, when
 * connected, and again after a reconnection or a lost answer, always with the same clientId (the
 * server stores a clientId once). `failed`: the server refused it for good (not a member, ...):
 * shown with Retry. Nothing typed is ever dropped without the person seeing it.
 */
export type PendingStatus = "pending" | "failed";

/** A message typed here and not yet acknowledged by the server, keyed by its clientId. */
export interface PendingMessage {
  clientId: string;
  roomId: string;
  text: string;
  status: PendingStatus;
  /** Milliseconds, local clock. */
  createdAt: number;
  error?: string;
  /**
   * Not before this time (ms, local clock): the server's rate limit said when (`retryAfterMs`), or
   * the last attempt got no answer. The message stays `pending` meanwhile, and so do those after it.
   */
  retryAt?: number;
  /** Why it waits, for the person: "rate limit" or "no answer". */
  waiting?: "rate-limit" | "no-answer";
  /** The message this one answers (`replyTo` of the send payload), sent along each time. */
  replyTo?: string;
  /**
   * Files already uploaded that the message carries (their ids are the send's `attachments`); `text`
   * is then their caption and may be "". Sent with the same clientId every time: stored once.
   */
  attachments?: Attachment[];
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

/**
 * The rate limit refused it (or no answer came): it stays pending, to be sent again at `retryAt`;
 * the messages typed after it wait behind it, so they are stored in the order they were typed.
 */
export function markWaiting(map: PendingMap, clientId: string, retryAt: number, why: "rate-limit" | "no-answer"): PendingMap {
  const found = map[clientId];
  if (!found) return map;
  return { ...map, [clientId]: { ...found, status: "pending", retryAt, waiting: why } };
}

/**
 * What the outbox sends next: the oldest pending message (failed ones are left to the person), and
 * how long to wait before sending it (0: now). `undefined` when there is nothing to send.
 */
export function nextToSend(map: PendingMap, now: number): { message: PendingMessage; waitMs: number } | undefined {
  let head: PendingMessage | undefined;
  for (const p of Object.values(map)) {
    if (p.status !== "pending") continue;
    if (!head || p.createdAt < head.createdAt || (p.createdAt === head.createdAt && p.clientId < head.clientId)) head = p;
  }
  if (!head) return undefined;
  return { message: head, waitMs: Math.max(0, (head.retryAt ?? 0) - now) };
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
    // A message with files is stored with their names and links appended to its text: compare captions.
    const text = messageCaption(message);
    for (const p of Object.values(next)) {
      if (p.roomId !== message.roomId || p.text !== text) continue;
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

// --- The outbox in localStorage: what was typed and not yet stored survives a reload, a closed
// tab and the end of the session, and is sent once the person is signed in again. ---

const StoredPending = z.object({
  clientId: ClientId,
  roomId: RoomId,
  text: z.string().max(100_000),
  status: z.enum(["pending", "failed"]),
  createdAt: z.number(),
  error: z.string().optional(),
  replyTo: MessageId.optional(),
  attachments: z.array(Attachment).max(MAX_ATTACHMENTS_PER_MESSAGE).optional(),
});
const StoredOutbox = z.array(z.unknown());

/** The storage key of a user's outbox. */
export const outboxKey = (userId: number) => `redis-chat:outbox:${userId}`;

/**
 * Reads a stored outbox (JSON text, or null): every entry that still parses, as pending again
 * (a new session sends them; waiting times belong to the old one). Failed ones stay failed.
 */
export function parseOutbox(text: string | null): PendingMap {
  if (!text) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  const list = StoredOutbox.safeParse(raw);
  if (!list.success) return {};
  const out: Record<string, PendingMessage> = {};
  for (const item of list.data) {
    const entry = StoredPending.safeParse(item);
    if (entry.success) out[entry.data.clientId] = { ...entry.data };
  }
  return out;
}

/**
 * The outbox to store for this tab: what is stored (other tabs of the same user write there too),
 * without the entries this tab had written before (`written`: settled ones are gone from `mine`),
 * plus this tab's entries now. Returns the JSON text and the clientIds this tab has written.
 */
export function mergeOutbox(stored: PendingMap, mine: PendingMap, written: ReadonlySet<string>): { text: string; written: Set<string> } {
  const merged: Record<string, PendingMessage> = {};
  for (const [id, entry] of Object.entries(stored)) if (!written.has(id)) merged[id] = entry;
  for (const [id, entry] of Object.entries(mine)) {
    const { retryAt: _retryAt, waiting: _waiting, ...kept } = entry;
    merged[id] = kept;
  }
  const list = Object.values(merged).sort((a, b) => a.createdAt - b.createdAt);
  return { text: JSON.stringify(list), written: new Set(Object.keys(mine)) };
}
