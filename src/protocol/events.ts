import { z } from "zod";
import type { PlaceSettings, PresenceAlerts, Profile } from "./accounts.js";
import { RoomId } from "./ids.js";
import { ChatMessage, ClientId, MessageId, refineTextOrAttachments } from "./message.js";
import { MessageAttachmentIds } from "./attachments.js";
import { RoomSummary } from "./rest.js";
import type { UserBannedEvent } from "./moderation.js";
import type {
  MemberAddedEvent,
  MemberRemovedEvent,
  ReadState,
  RoomAddedEvent,
  RoomDeletedEvent,
  RoomRemovedEvent,
  RoomUpdatedEvent,
} from "./rooms.js";
import type { SessionEndedNotice } from "./sessions.js";
import { type DeleteAck, type MessageDeleted, type MessageUpdated, type ReactionAck, type ReactionUpdated, type Typing } from "./message-actions.js";
import type { ConnectionClosing } from "./limits.js";
import type { PreviewsUpdated } from "./link-previews.js";
import type { PinsUpdated } from "./pins.js";

/**
 * `message` from a client. `from` and `date` are the server's to decide; anything else is ignored.
 * `replyTo`: the id of a message of the same room this one answers (refused when there is none).
 * `attachments`: ids of files uploaded to the room (attachments.ts); `message` may then be "".
 */
export const SendMessage = z
  .object({
    roomId: RoomId,
    message: z.string("message must be a string"),
    clientId: ClientId.optional(),
    replyTo: MessageId.optional(),
    attachments: MessageAttachmentIds.optional(),
  })
  .superRefine(refineTextOrAttachments);
export type SendMessage = z.infer<typeof SendMessage>;

export const JoinRoom = RoomId;

/**
 * The answer to every acknowledged socket request. A refusal that will pass by itself (the message
 * rate limit) says when: `retryAfterMs`, the ms to wait before sending again (clients queue the
 * message and resend it then, with the same clientId).
 */
export type Ack<T> = { ok: true } & T | { ok: false; error: string; retryAfterMs?: number };
export type MessageAck = Ack<{ message: ChatMessage }>;

export const PresenceUser = z.object({ id: z.number().int(), username: z.string(), online: z.boolean() });
export type PresenceUser = z.infer<typeof PresenceUser>;

/**
 * Batched delivery, for clients that ask for it in the handshake (`auth: { batch: true }`):
 * everything for one room within a short flush window travels as one frame.
 */
export const MessageBatch = z.object({ roomId: RoomId, messages: z.array(ChatMessage) });
export type MessageBatch = z.infer<typeof MessageBatch>;
export const PresenceBatch = z.object({ users: z.array(PresenceUser) });
export type PresenceBatch = z.infer<typeof PresenceBatch>;

/**
 * Live delivery may have missed events (this server lost its pub/sub subscription for a while):
 * fetch every room's messages after `since` (a time-ordered message id) and refresh rooms and
 * presence. Clients that ignore it stay as they were (the seed's client does).
 */
export const Resync = z.object({ since: z.string().regex(/^\d{1,20}$/) });
export type Resync = z.infer<typeof Resync>;

export const HandshakeAuth = z.object({ batch: z.boolean().optional() }).passthrough();

/** Events the server emits. Seed clients get the singular events; batching clients the batches. */
export interface ServerToClientEvents {
  message: (message: ChatMessage) => void;
  "user.connected": (user: PresenceUser) => void;
  "user.disconnected": (user: PresenceUser) => void;
  "show.room": (room: RoomSummary) => void;
  "message.batch": (batch: MessageBatch) => void;
  "presence.batch": (batch: PresenceBatch) => void;
  resync: (payload: Resync) => void;
  // --- rooms and moderation (issue 9; payloads in rooms.ts and moderation.ts) ---
  "room.added": (event: RoomAddedEvent) => void;
  "room.removed": (event: RoomRemovedEvent) => void;
  "room.updated": (event: RoomUpdatedEvent) => void;
  "room.deleted": (event: RoomDeletedEvent) => void;
  "room.member.added": (event: MemberAddedEvent) => void;
  "room.member.removed": (event: MemberRemovedEvent) => void;
  "room.read": (event: ReadState) => void;
  "user.banned": (event: UserBannedEvent) => void;
  "user.unbanned": (event: UserBannedEvent) => void;
  /** This socket's session ended (`code`: signed out in another tab, from another device, password changed, banned, deactivated): it is disconnected next. */
  "session.ended": (notice: SessionEndedNotice) => void;
  // message actions (see message-actions.ts), to seed and batch sockets alike
  "message.updated": (change: MessageUpdated) => void;
  "message.deleted": (change: MessageDeleted) => void;
  "reaction.updated": (change: ReactionUpdated) => void;
  /** Link previews of a message arrived, or its author removed them (link-previews.ts). */
  "previews.updated": (change: PreviewsUpdated) => void;
  typing: (typing: Typing) => void;
  /** A room's pinned messages changed (ids of all its pins now). */
  "pins.updated": (change: PinsUpdated) => void;
  /** The server is about to close this connection on purpose (see limits.ts). */
  "connection.closing": (payload: ConnectionClosing) => void;
  // a team's own place (issue 18; payloads in accounts.ts), to batch sockets
  /** A person's profile changed (display name, status, role, deactivated...). */
  "user.profile": (profile: Profile) => void;
  /** The place's settings changed. */
  "place.settings": (settings: PlaceSettings) => void;
  /** The person's own "tell me when they come online" list changed (on any of their devices): to their own batch sockets. */
  "presence.alerts": (alerts: PresenceAlerts) => void;
}

/** Events a client emits. Payloads are `unknown` until validated by the schemas above. */
export interface ClientToServerEvents {
  message: (payload: unknown, ack?: (answer: MessageAck) => void) => void;
  "room.join": (roomId: unknown, ack?: (answer: Ack<{ roomId: string }>) => void) => void;
  // message actions (see message-actions.ts)
  "message.edit": (payload: unknown, ack?: (answer: MessageAck) => void) => void;
  "message.delete": (payload: unknown, ack?: (answer: DeleteAck) => void) => void;
  "reaction.add": (payload: unknown, ack?: (answer: ReactionAck) => void) => void;
  "reaction.remove": (payload: unknown, ack?: (answer: ReactionAck) => void) => void;
  typing: (payload: unknown, ack?: (answer: Ack<object>) => void) => void;
}

/** The pub/sub envelope on the `MESSAGES` channel, exactly the seed's. */
export const Envelope = z.object({
  serverId: z.union([z.string(), z.number()]),
  type: z.string(),
  data: z.unknown(),
});
export type Envelope = z.infer<typeof Envelope>;
