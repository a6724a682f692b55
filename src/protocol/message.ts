import { z } from "zod";
import { RoomId } from "./ids.js";
import { Reaction } from "./reactions.js";
import { LinkPreview } from "./link-previews.js";
import { Attachment, messageCaption } from "./attachments.js";

/** The most characters (Unicode code points, see `messageLength`) a message may hold. */
export const MAX_MESSAGE_LENGTH = 4000;

/** How much of the answered message a reply carries (see `MessageReplyPreview`). */
export const REPLY_PREVIEW_LENGTH = 140;

/**
 * A quote of the message a reply answers: its author and `replyQuoteText` of it. Stored with the
 * reply as it was when sent, but every read of history (page, around, after, one message) quotes the
 * original as it is now (domain/messages/replies.ts): its current text after an edit, and, once it is
 * deleted, `deleted: true` with an empty `message` (no text of a deleted message is served). Clients
 * change loaded quotes on `message.updated` and `message.deleted` the same way.
 */
export const MessageReplyPreview = z.object({
  from: z.number().int(),
  message: z.string(),
  deleted: z.literal(true).optional(),
});
export type MessageReplyPreview = z.infer<typeof MessageReplyPreview>;

/**
 * The text a reply quotes of a message: its caption (without the file lines appended for seed
 * clients, which name internal addresses) and its files' names, `Here is the plan · 📎 plan.txt`,
 * cut to REPLY_PREVIEW_LENGTH characters.
 */
export function replyQuoteText(message: { message: string; roomId: string; attachments?: readonly Pick<Attachment, "id" | "name">[] }): string {
  const caption = messageCaption(message);
  const files = message.attachments?.length ? `📎 ${message.attachments.map((a) => a.name).join(", ")}` : "";
  const text = caption !== "" && files !== "" ? `${caption} · ${files}` : caption || files;
  return [...text].slice(0, REPLY_PREVIEW_LENGTH).join("");
}

/** The quote of `original` a reply to it carries. */
export function replyPreviewOf(original: Pick<ChatMessage, "from" | "message" | "roomId" | "attachments">): MessageReplyPreview {
  return { from: original.from, message: replyQuoteText(original) };
}

/** The quote of a message that was deleted: its author, none of its text. */
export function deletedReplyPreview(from: number): MessageReplyPreview {
  return { from, message: "", deleted: true };
}

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
 * - `attachments`: the files sent with the message (attachments.ts); the text then ends with
 *   one line per file for seed clients (`messageCaption` gives the text without them);
 * - `reactions`: not part of the stored JSON (kept in keys of ours) but added to every message
 *   read from history (`GET /room/:id/messages`), omitted when there are none;
 * - `previews`: link previews (link-previews.ts), kept and added like `reactions`.
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
  previews: z.array(LinkPreview).optional(),
  attachments: z.array(Attachment).optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * A message id: the message's score in microseconds since the epoch, as a decimal string, unique
 * within its room. Messages we store have unique scores, so their id is just that number
 * (`1795933117998000`). Messages a seed server stored (whole-second scores, no id of their own,
 * several may share one second) get the score plus a stable disambiguator: the first 12 hex digits
 * of the SHA-1 of the stored member JSON (`1615480369000000-3f9a2c1b0d4e`). See docs/data-model.md.
 */
export const MESSAGE_ID_PATTERN = /^\d{1,20}(?:-[0-9a-f]{12})?$/;
export const MessageId = z.string().regex(MESSAGE_ID_PATTERN, "must be a message id");

/**
 * Total order of message ids within a room, the order of history and of the `?after=` cursor:
 * by time (the decimal part: it exceeds Number.MAX_SAFE_INTEGER, so shorter is smaller, then
 * lexicographic), then an id without disambiguator before one with, then by disambiguator.
 */
export function compareMessageIds(a: string, b: string): number {
  const da = a.indexOf("-");
  const db = b.indexOf("-");
  const ta = da < 0 ? a : a.slice(0, da);
  const tb = db < 0 ? b : b.slice(0, db);
  if (ta.length !== tb.length) return ta.length < tb.length ? -1 : 1;
  if (ta !== tb) return ta < tb ? -1 : 1;
  const sa = da < 0 ? "" : a.slice(da + 1);
  const sb = db < 0 ? "" : b.slice(db + 1);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * The length of a message as a person counts it and as the limit applies: Unicode code points
 * (an emoji such as 👍 is one, though it takes two UTF-16 units). The server and the web client's
 * composer both count with this function.
 */
export function messageLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Characters that show nothing on their own: Unicode white space (U+0085, U+00A0, U+2000-U+200A,
 * U+2028, U+3000, ...), control characters, format characters (Cf: zero-width space and joiners,
 * bidi controls, U+FEFF, U+00AD, tags), the other default-ignorable code points (variation
 * selectors, U+034F, Hangul fillers U+115F/U+1160/U+3164/U+FFA0, ...) and the blank braille pattern.
 */
const INVISIBLE = /^[\p{White_Space}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/** True when the text would render blank: empty, or made only of characters that show nothing. */
export function isBlankMessage(text: string): boolean {
  return INVISIBLE.test(text);
}

/**
 * Text a client may send: 1-4000 characters as `messageLength` counts them, not blank (see
 * `isBlankMessage`), stored as typed.
 */
export const MessageText = z
  .string("message must be a string")
  .refine((text) => !isBlankMessage(text), "message must not be empty or only invisible characters")
  .refine((text) => messageLength(text) <= MAX_MESSAGE_LENGTH, `message must be at most ${MAX_MESSAGE_LENGTH} characters`);

/** An idempotency key chosen by the client; a repeat within 10 minutes returns the first message. */
export const ClientId = z
  .string("clientId must be a string")
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "clientId must be 1-64 letters, digits, '_' or '-'");

/**
 * The rule for `message` in a send that may carry files (`attachments`): MessageText, or the empty
 * string when the send has files (a file needs no caption). Use with `.superRefine` on the body.
 */
export function refineTextOrAttachments(body: { message: string; attachments?: readonly string[] }, ctx: z.RefinementCtx): void {
  if (body.message === "" && body.attachments?.length) return;
  const text = MessageText.safeParse(body.message);
  if (!text.success) for (const issue of text.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: ["message"] });
}
