import { GENERAL_ROOM_ID, type ChatMessage } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";

/** Something to do with a message once it is stored and delivered (webhooks); never awaited. */
export type StoredMessageListener = (message: ChatMessage, sender: { id: number; username: string }) => void;

export const REPLY_NOT_FOUND = "The message you reply to is not in this room (deleted?)";

export type PostOutcome =
  | { status: "stored"; message: ChatMessage }
  | { status: "duplicate"; message: ChatMessage }
  | { status: "rate-limited"; retryAfterMs: number }
  | { status: "not-member" }
  | { status: "reply-not-found" };

export interface PostRequest {
  sender: { id: number; username: string };
  roomId: string;
  text: string;
  clientId?: string;
  /** Id of the message this one answers (must be in the room). */
  replyTo?: string;
}

/**
 * Sends one message as `sender`, whatever the transport (socket `message`, `POST
 * /room/:id/messages`, a webhook's reply): membership check, one store-and-publish round trip
 * (Messages.store; live delivery comes from its publish), and the private room recorded for its
 * members when this was its first message. A repeated clientId answers the first message
 * (`duplicate`) without storing or delivering again. Counts the outcome and the store time, then
 * tells `ctx.messageListeners` (synchronously; they must not block, e.g. webhooks enqueue async).
 *
 * Errors: Redis failures propagate (transports turn them into 503 / the unavailable ack).
 */
export async function postMessage(
  ctx: ChatContext,
  req: PostRequest,
): Promise<PostOutcome> {
  const { sender, roomId, text, clientId, replyTo } = req;
  if (!(await ctx.rooms.isMember(sender.id, roomId))) {
    ctx.metrics.messages.inc({ outcome: "refused" });
    return { status: "not-member" };
  }
  const { config } = ctx;
  // Mentions and the answered message are looked up only when the text has an `@` / there is a reply.
  const [room, mentions, original] = await Promise.all([
    ctx.rooms.privateSummary(roomId),
    ctx.mentions.resolve(roomId, text),
    replyTo === undefined ? undefined : ctx.messages.find(roomId, replyTo),
  ]);
  if (replyTo !== undefined && !original) {
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
    // Rooms people make: the script checks the member set too, atomically with the write.
    // (General and private rooms are decided by their id; the member cache is warm from isMember.)
    checkMember: roomId !== GENERAL_ROOM_ID && !room && (await ctx.membership.isOurs(roomId)),
  });
  if (result.status === "not-member") {
    ctx.metrics.messages.inc({ outcome: "refused" });
    return { status: "not-member" };
  }
  ctx.metrics.storeSeconds.observe((performance.now() - started) / 1000);
  if (result.status === "reply-not-found") {
    ctx.metrics.messages.inc({ outcome: "refused" });
    return result;
  }
  ctx.metrics.messages.inc({ outcome: result.status });
  if (result.status === "rate-limited") return result;
  if (result.status === "duplicate") return { status: "duplicate", message: result.message };
  // Every instance's sockets, this one's included, hear of a new private room and then of its first
  // message from the store script's publishes, in that order (see PubSubBridge).
  const opened = result.firstInRoom && room;
  // Web Push to members with no open connection: queued here, sent after the ack (once: only
  // the instance that stored the message gets here).
  ctx.notifications.messageStored(result.message);
  if (opened) await ctx.rooms.addPrivateMembers(roomId);
  for (const listener of ctx.messageListeners) listener(result.message, sender);
  return { status: "stored", message: result.message };
}
