import { z } from "zod";
import { RoomId } from "./ids.js";
import { Reaction } from "./reactions.js";

export const MAX_MESSAGE_LENGTH = 4000;

/** How much of the answered message a reply carries (see `MessageReplyPreview`). */
export const REPLY_PREVIEW_LENGTH = 140;

/**
 * A quote of the message a reply answers, as it was when the reply was sent: its author and the
 * first REPLY_PREVIEW_LENGTH characters of its text. Later edits or a deletion of the original do
 * not rewrite it; a client that has the original loaded shows that instead.
 */
export const MessageReplyPreview = z.object({ from: z.number().int(), message: z.string() });
export type MessageReplyPreview = z.infer<typeof MessageReplyPreview>;

/**
 * A chat message exactly as stored (JSON member of the `room:{id}` sorted set) and as delivered.
 * The seed's fields `{from, date, message, roomId}` plus a unique, time-ordered `id`.
 * `date` is Unix time in seconds, as in the seed; `id` orders messages within a room.
 *
 * Extra fields of ours, absent when empty (seed servers ignore them):
 * - `mentions`: ids of the room's members the text mentions (`@name`, see mentions.ts), decided
 *   by the server when it stores the message;
 * - `replyTo`: the id of the message (same room) this one answers, with `reply`, its quote;
 * - `edited`: Unix time in seconds of the last edit;
 * - `reactions`: not part of the stored JSON (kept in keys of ours) but added to every message
 *   read from history (`GET /room/:id/messages`), omitted when there are none.
 */
export const ChatMessage = z.object({
  id: z.string(),
  from: z.number().int(),
  date: z.number(),
  message: z.string(),
  roomId: RoomId,
  mentions: z.array(z.number().int()).optional(),
  replyTo: z.string().optional(),
  reply: MessageReplyPreview.optional(),
  edited: z.number().optional(),
  reactions: z.array(Reaction).optional(),
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
