import { z } from "zod";
import { RoomId } from "./ids.js";

export const MAX_MESSAGE_LENGTH = 4000;

/**
 * A chat message exactly as stored (JSON member of the `room:{id}` sorted set) and as delivered.
 * The seed's fields `{from, date, message, roomId}` plus a unique, time-ordered `id`.
 * `date` is Unix time in seconds, as in the seed; `id` orders messages within a room.
 */
export const ChatMessage = z.object({
  id: z.string(),
  from: z.number().int(),
  date: z.number(),
  message: z.string(),
  roomId: RoomId,
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * Message ids are decimal strings (microseconds since the epoch) that sort in time order within a
 * room. They exceed Number.MAX_SAFE_INTEGER, so compare them as strings: shorter is smaller, then
 * lexicographic.
 */
export function compareMessageIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Text a client may send: 1-4000 characters, not only white space, stored as typed. */
export const MessageText = z
  .string("message must be a string")
  .max(MAX_MESSAGE_LENGTH, `message must be at most ${MAX_MESSAGE_LENGTH} characters`)
  .refine((text) => text.trim().length > 0, "message must not be empty");

/** An idempotency key chosen by the client; a repeat within 10 minutes returns the first message. */
export const ClientId = z
  .string("clientId must be a string")
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "clientId must be 1-64 letters, digits, '_' or '-'");
