import { GENERAL_ROOM_ID, parsePrivateRoomId, type ChatMessage, type RoomSummary } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { resolveReplies } from "./replies.js";

/**
 * The realtime layer's side of a send (LocalDelivery fits it). Every instance, this one included,
 * delivers a message when the store script's publication reaches it, so each socket gets a room's
 * messages in stored order (and a new private room's `show.room` before its first message).
 */
export interface MessageSink {
  /** Resolves once this instance hears what is published to the room for these users' sockets here. */
  listenTo(roomId: string, userIds: number[]): Promise<void>;
  /** A private room got its first message here, after it is recorded for both members (other instances). */
  roomOpened?(room: RoomSummary): Promise<void>;
}

/** Something to do with a message once it is stored and delivered (webhooks); never awaited. */
export type StoredMessageListener = (message: ChatMessage, sender: { id: number; username: string }) => void;

export const REPLY_NOT_FOUND = "The message you reply to is not in this room (deleted?)";

export type PostOutcome =
  | { status: "stored"; message: ChatMessage }
  | { status: "duplicate"; message: ChatMessage }
  | { status: "rate-limited"; retryAfterMs: number }
  | { status: "not-member" }
  | { status: "reply-not-found" }
  | { status: "attachment-unavailable" };

export const ATTACHMENT_UNAVAILABLE = "An attachment is not one you uploaded to this room, or was sent already";

export interface PostRequest {
  sender: { id: number; username: string };
  roomId: string;
  text: string;
  clientId?: string;
  /** Id of the message this one answers (must be in the room). */
  replyTo?: string;
  /** Ids of files the sender uploaded to this room (domain/attachments), sent with this message. */
  attachments?: string[];
}

/**
 * Sends one message as `sender`, whatever the transport (socket `message`, `POST
 * /room/:id/messages`, a webhook's reply): membership check, one store-and-publish round trip
 * (Messages.store; live delivery comes from its publication), and the private room recorded for its
 * members when this was its first message. A repeated clientId answers the first message
 * (`duplicate`) without storing or delivering again. Counts the outcome and the store time, then
 * tells `ctx.messageListeners` (synchronously; they must not block, e.g. webhooks enqueue async).
 *
 * Errors: Redis failures propagate (transports turn them into 503 / the unavailable ack).
 */
export async function postMessage(
  ctx: ChatContext,
  sink: MessageSink,
  req: PostRequest,
): Promise<PostOutcome> {
  const { sender, roomId, text, replyTo, attachments } = req;
  // A file is sent once: without the client's clientId, one derived from the first file makes a
  // resend answer the first message (the store script needs a marker with files).
  const clientId = req.clientId ?? (attachments?.length ? `file-${attachments[0]}` : undefined);
  // The cache first (the store script checks again); a refusal is confirmed in Redis, as this
  // instance may not have heard yet of a member added on another.
  if (!(await ctx.rooms.isMemberCached(sender.id, roomId)) && !(await ctx.rooms.isMember(sender.id, roomId))) {
    ctx.metrics.messages.inc({ outcome: "refused" });
    return { status: "not-member" };
  }
  const { config } = ctx;
  // Mentions and the answered message are looked up only when the text has an `@` / there is a reply.
  const [room, , mentions, original] = await Promise.all([
    ctx.rooms.privateSummary(roomId),
    // Before the store: the sender's sockets here (a new private room's members') hear its publication.
    sink.listenTo(roomId, parsePrivateRoomId(roomId) ?? [sender.id]).then(() => undefined),
    ctx.mentions.resolve(roomId, text),
    replyTo === undefined ? undefined : ctx.messages.find(roomId, replyTo),
  ]);
  // The answered message is gone (deleted, or edited on a seed server). A resend of a reply stored
  // before that still gets its message: the store script looks for the clientId first.
  const originalGone = replyTo !== undefined && !original;
  if (originalGone && !clientId) {
    ctx.metrics.messages.inc({ outcome: "refused" });
    return { status: "reply-not-found" };
  }
  const started = performance.now();
  const result = await ctx.messages.store({
    roomId,
    from: sender.id,
    text,
    clientId,
    serverId: config.serverId,
    rateLimit: config.messageRateLimit,
    rateWindowMs: config.messageRateWindowMs,
    showRoom: room,
    mentions,
    replyTo: original,
    replyToGone: originalGone,
    attachments,
    // Rooms people make: the script checks the member set too, atomically with the write.
    // (General and private rooms are decided by their id; the member cache is warm from isMemberCached.)
    checkMember: roomId !== GENERAL_ROOM_ID && !room && (await ctx.membership.isOurs(roomId)),
  });
  if (result.status === "not-member") {
    ctx.metrics.messages.inc({ outcome: "refused" });
    return { status: "not-member" };
  }
  ctx.metrics.storeSeconds.observe((performance.now() - started) / 1000);
  if (result.status === "reply-not-found" || result.status === "attachment-unavailable") {
    ctx.metrics.messages.inc({ outcome: "refused" });
    return result;
  }
  ctx.metrics.messages.inc({ outcome: result.status });
  if (result.status === "rate-limited") return result;
  if (result.status === "duplicate") {
    // The first message as stored: its quote as the original is now, like every read (replies.ts).
    if (result.message.replyTo) await resolveReplies(ctx.redis, roomId, [result.message]);
    return { status: "duplicate", message: result.message };
  }
  // Live delivery, here too, comes from the store script's publications (see MessageSink).
  const opened = result.firstInRoom && room;
  // Web Push to members with no open connection: queued here, sent after the ack (once: only
  // the instance that stored the message gets here).
  ctx.notifications.messageStored(result.message);
  if (opened) {
    await ctx.rooms.addPrivateMembers(roomId);
    await sink.roomOpened?.(room);
  }
  for (const listener of ctx.messageListeners) listener(result.message, sender);
  return { status: "stored", message: result.message };
}
