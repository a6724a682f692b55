import { z } from "zod";
import { DeleteMessage, EditMessage, MessageDeleted, MessageUpdated, ReactionUpdated, ReactToMessage, Typing, TypingStart } from "./message-actions.js";
import { ChatMessage } from "./message.js";
import { Reaction } from "./reactions.js";
import { ConnectionClosing } from "./limits.js";
import { PreviewsUpdated } from "./link-previews.js";
import { SessionEndedNotice } from "./sessions.js";
import { UserBannedEvent } from "./moderation.js";
import { PlaceSettings, PresenceAlerts, Profile } from "./accounts.js";
import { MemberAddedEvent, MemberRemovedEvent, ReadState, RoomAddedEvent, RoomDeletedEvent, RoomRemovedEvent, RoomUpdatedEvent } from "./rooms.js";
import { RoomSummary } from "./rest.js";
import { PinsUpdated } from "./pins.js";
import {
  JoinRoom,
  MessageBatch,
  PresenceBatch,
  PresenceUser,
  Resync,
  SendMessage,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from "./events.js";

/** One Socket.IO event as documented in docs/events.md (rendered by scripts/events-doc.ts). */
export interface EventDoc {
  summary: string;
  payload: z.ZodType;
  /** The acknowledgement the server answers with, for client events. */
  ack?: z.ZodType;
}

/** `{ok: true, ...fields}` or `{ok: false, error}`: every acknowledged request's answer. */
const ack = <T extends z.ZodRawShape>(fields: T) =>
  z.union([z.object({ ok: z.literal(true), ...fields }), z.object({ ok: z.literal(false), error: z.string() })]);

/**
 * Every Socket.IO event with its zod schema: the generated reference's source. Typed by the event
 * interfaces, so an event added to ServerToClientEvents / ClientToServerEvents without an entry
 * here does not compile (and docs/events.md then is regenerated: `npm run docs:events`).
 */
export const serverEvents: { [K in keyof ServerToClientEvents]: EventDoc } = {
  message: { summary: "A new message in a room the socket is in (seed-mode sockets, one event per message).", payload: ChatMessage },
  "message.batch": { summary: "Every new message of one room within the flush window (sockets that asked for `auth: {batch: true}`).", payload: MessageBatch },
  "user.connected": { summary: "A user came online (seed-mode sockets).", payload: PresenceUser },
  "user.disconnected": { summary: "A user went offline (seed-mode sockets).", payload: PresenceUser },
  "presence.batch": { summary: "Presence changes of the presence window (batch-mode sockets).", payload: PresenceBatch },
  "show.room": { summary: "A private room the user is in got its first message: show it in the room list.", payload: RoomSummary },
  resync: { summary: "Live delivery may have missed events: fetch each room's messages after `since` (`GET /room/:id/messages?after=`).", payload: Resync },
  "message.updated": { summary: "A message was edited.", payload: MessageUpdated },
  "message.deleted": { summary: "A message was deleted.", payload: MessageDeleted },
  "reaction.updated": { summary: "A message's reactions changed.", payload: ReactionUpdated },
  "previews.updated": { summary: "A message's link previews arrived, or its author removed them (`previews: []`).", payload: PreviewsUpdated },
  typing: { summary: "Someone is typing in a room.", payload: Typing },
  "pins.updated": { summary: "A room's pinned messages changed: the ids of all its pins now.", payload: PinsUpdated },
  "room.added": { summary: "The user was added to a room (created it, joined, was invited or added): show it.", payload: RoomAddedEvent },
  "room.removed": { summary: "The user is no longer in a room (left, removed, banned): hide it.", payload: RoomRemovedEvent },
  "room.updated": { summary: "A room's name, topic or settings changed.", payload: RoomUpdatedEvent },
  "room.deleted": { summary: "A room was deleted.", payload: RoomDeletedEvent },
  "room.member.added": { summary: "Someone joined a room the user is in.", payload: MemberAddedEvent },
  "room.member.removed": { summary: "Someone left or was removed from a room the user is in.", payload: MemberRemovedEvent },
  "room.read": { summary: "The user's read position in a room moved (on any of their devices).", payload: ReadState },
  "user.banned": { summary: "A user was banned.", payload: UserBannedEvent },
  "user.profile": { summary: "A person's profile changed (display name, title, status, time zone, picture, role, deactivated): to every batching socket.", payload: Profile },
  "place.settings": { summary: "An administrator changed the place's settings (name, registration, default notification level).", payload: PlaceSettings },
  "presence.alerts": { summary: "The person's own \"tell me when they come online\" list changed, on any of their devices: the whole list now (to their own batching sockets).", payload: PresenceAlerts },
  "user.unbanned": { summary: "A user's ban was lifted.", payload: UserBannedEvent },
  "session.ended": { summary: "This socket's session ended (`code`: signed out in another tab, from another device, password changed, banned, deactivated): it is disconnected next.", payload: SessionEndedNotice },
  "connection.closing": { summary: "The server is about to close this connection (it sent too many events); says why.", payload: ConnectionClosing },
};

export const clientEvents: { [K in keyof ClientToServerEvents]: EventDoc } = {
  message: { summary: "Send a message (idempotent per clientId for 10 minutes).", payload: SendMessage, ack: ack({ message: ChatMessage }) },
  "room.join": { summary: "Subscribe this socket to a named room the user is a member of (the seed's client sends one per room).", payload: JoinRoom, ack: ack({ roomId: z.string() }) },
  "message.edit": { summary: "Edit one's own message.", payload: EditMessage, ack: ack({ message: ChatMessage }) },
  "message.delete": { summary: "Delete a message (one's own; administrators any).", payload: DeleteMessage, ack: ack({ id: z.string() }) },
  "reaction.add": { summary: "Add an emoji reaction.", payload: ReactToMessage, ack: ack({ reactions: z.array(Reaction) }) },
  "reaction.remove": { summary: "Remove one's emoji reaction.", payload: ReactToMessage, ack: ack({ reactions: z.array(Reaction) }) },
  typing: { summary: "Tell the room one is typing (throttled by the server).", payload: TypingStart, ack: ack({}) },
};
