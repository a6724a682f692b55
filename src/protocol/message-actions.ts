import { z } from "zod";
import { RoomId } from "./ids.js";
import { ChatMessage, MessageId, MessageText } from "./message.js";
import { Emoji, Reaction } from "./reactions.js";
import { PreviewsUpdated } from "./link-previews.js";

/**
 * Acting on stored messages (edit, delete, react), typing indicators, and catching up on the
 * changes made while a client was away. Shared by server, client, tests and bench.
 *
 * Every change to a stored message (edit, deletion, reactions) is recorded in the room's change log
 * under a sequence `seq` (a Redis stream entry id, `"<ms>-<n>"`, ordered like the ids' numbers, ms
 * then n) and delivered live as a `RoomChange` whose `type` is the socket event's name. A client
 * applies live and caught-up changes the same way; applying one twice is harmless (each carries the
 * whole new state of what it changes).
 */

// --- client to server payloads (socket) and REST bodies ---

/** `message.edit` (socket): new text for one's own message. Ack: `MessageAck` (the edited message). */
export const EditMessage = z.object({ roomId: RoomId, id: MessageId, message: MessageText });
export type EditMessage = z.infer<typeof EditMessage>;

/** `message.delete` (socket): the author, or an administrator. Ack: `Ack<{id}>`. */
export const DeleteMessage = z.object({ roomId: RoomId, id: MessageId });
export type DeleteMessage = z.infer<typeof DeleteMessage>;

/** `reaction.add` / `reaction.remove` (socket): any member of the room. Ack: `ReactionAck`. */
export const ReactToMessage = z.object({ roomId: RoomId, id: MessageId, emoji: Emoji });
export type ReactToMessage = z.infer<typeof ReactToMessage>;

/** `typing` (socket): "I am typing in this room". No ack needed (one is answered if asked). */
export const TypingStart = z.object({ roomId: RoomId });
export type TypingStart = z.infer<typeof TypingStart>;

/** `PATCH /room/:roomId/messages/:messageId` body. Answer: the edited `ChatMessage`. */
export const EditMessageBody = z.object({ message: MessageText });
/** `/room/:roomId/messages/:messageId` (GET one, PATCH, DELETE). */
export const MessageParams = z.object({ roomId: RoomId, messageId: MessageId });
/** `/room/:roomId/messages/:messageId/reactions/:emoji` (PUT, DELETE); the emoji URL-encoded. */
export const ReactionParams = z.object({ roomId: RoomId, messageId: MessageId, emoji: Emoji });
/** Answer of `DELETE /room/:roomId/messages/:messageId`. */
export const DeletedMessage = z.object({ roomId: RoomId, id: z.string() });
/** Answer of the reaction routes: the message's reactions after the change. */
export const ReactionsOfMessage = z.object({ roomId: RoomId, id: z.string(), reactions: z.array(Reaction) });
export type ReactionsOfMessage = z.infer<typeof ReactionsOfMessage>;

// --- changes: live events (server to client) and the change log ---

/** A change-log sequence: `"<ms>-<n>"` (a Redis stream id). A plain `<ms>` time is accepted as a cursor too. */
export const ChangeSeq = z.string().regex(/^\d{1,15}(-\d{1,20})?$/, "since must be a change sequence (ms-n) or a time in ms");

/** `message.updated`: the message's new stored form (`edited` set). Its reactions are unchanged: keep them. */
export const MessageUpdated = z.object({
  type: z.literal("message.updated"),
  seq: z.string(),
  roomId: RoomId,
  message: ChatMessage,
});
/** `message.deleted`: the message left the room's history (and its reactions with it). */
export const MessageDeleted = z.object({
  type: z.literal("message.deleted"),
  seq: z.string(),
  roomId: RoomId,
  id: z.string(),
});
/**
 * `reaction.updated`: the message's reactions now (`[]` when none), and what changed: `userId`
 * added (`added: true`) or removed their `emoji`.
 */
export const ReactionUpdated = z.object({
  type: z.literal("reaction.updated"),
  seq: z.string(),
  roomId: RoomId,
  id: z.string(),
  reactions: z.array(Reaction),
  userId: z.number().int(),
  emoji: z.string(),
  added: z.boolean(),
});
export const RoomChange = z.discriminatedUnion("type", [MessageUpdated, MessageDeleted, ReactionUpdated, PreviewsUpdated]);
export type MessageUpdated = z.infer<typeof MessageUpdated>;
export type MessageDeleted = z.infer<typeof MessageDeleted>;
export type ReactionUpdated = z.infer<typeof ReactionUpdated>;
export type RoomChange = z.infer<typeof RoomChange>;

/** `typing` (server to client): `userId` is typing in `roomId`. Show it for TYPING_EXPIRES_MS unless renewed. */
export const Typing = z.object({ roomId: RoomId, userId: z.number().int() });
export type Typing = z.infer<typeof Typing>;

/** A client sends `typing` at most this often per room while the person types. */
export const TYPING_THROTTLE_MS = 3000;
/** The server forwards at most one `typing` per (socket, room) per this interval; more are dropped. */
export const TYPING_SERVER_MIN_INTERVAL_MS = 2000;
/** A typing indicator not renewed within this time (or ended by a message from that user) goes away. */
export const TYPING_EXPIRES_MS = 6000;

// --- catch-up: GET /room/:id/changes ---

export const MAX_CHANGES_PAGE = 200;

/**
 * `GET /room/:id/changes?since=<seq>&size=100`: the room's changes strictly after `since`, oldest
 * first. Without `since`: no changes, only the current `cursor` (read it before loading history).
 */
export const ChangesQuery = z.object({
  since: ChangeSeq.optional(),
  size: z.coerce.number("size must be a number").int().min(1, "size must be at least 1").max(MAX_CHANGES_PAGE).default(100),
});
export type ChangesQuery = z.infer<typeof ChangesQuery>;

/**
 * - `changes`: to apply in order;
 * - `cursor`: the `since` for the next call (the last change's seq, or the log's newest);
 * - `more`: more changes follow (call again with `cursor`);
 * - `complete`: false when the log no longer reaches back to `since` (it keeps the latest ~1000
 *   changes per room): some changes are lost to this client, so it reloads the room's history.
 */
export const ChangesPage = z.object({
  changes: z.array(RoomChange),
  cursor: z.string(),
  more: z.boolean(),
  complete: z.boolean(),
});
export type ChangesPage = z.infer<typeof ChangesPage>;

/** Ack of `reaction.add` / `reaction.remove`. */
export type ReactionAck = { ok: true; reactions: Reaction[] } | { ok: false; error: string };
export type DeleteAck = { ok: true; id: string } | { ok: false; error: string };
