import { z } from "zod";
import { RoomId } from "./ids.js";

/**
 * How much of a room a person wants to be notified of: every message, only messages that
 * mention them, or nothing. One choice per (person, room), stored on the server.
 */
export const NotificationLevel = z.enum(["all", "mentions", "none"], "level must be all, mentions or none");
export type NotificationLevel = z.infer<typeof NotificationLevel>;

/**
 * The kinds of room notifications care about: a one-to-one conversation (`private`), a closed
 * conversation of three or more (`group`), and a named room anyone may be in (`named`, General).
 */
export type NotificationRoomKind = "private" | "group" | "named";

/**
 * The level of a room nobody chose for: conversations notify of everything, named rooms of
 * mentions, or of the place's default (`namedDefault`, an administrator's setting: issue 18).
 */
export function defaultNotificationLevel(kind: NotificationRoomKind, namedDefault: NotificationLevel = "mentions"): NotificationLevel {
  return kind === "named" ? namedDefault : "all";
}

/** `PUT /room/:id/notifications` body. */
export const NotificationLevelBody = z.object({ level: NotificationLevel });
export type NotificationLevelBody = z.infer<typeof NotificationLevelBody>;

/** `GET|PUT /room/:id/notifications`: the person's effective level in that room, and whether they chose it. */
export const RoomNotificationLevel = z.object({
  roomId: RoomId,
  level: NotificationLevel,
  /** False when `level` is the room kind's default. */
  chosen: z.boolean(),
});
export type RoomNotificationLevel = z.infer<typeof RoomNotificationLevel>;

/**
 * The level of named rooms a person chose no level for (issue 18): their own default when they
 * chose one (`chosen`), else the place's (an administrator's setting).
 */
export const NamedRoomDefault = z.object({ level: NotificationLevel, chosen: z.boolean() });
export type NamedRoomDefault = z.infer<typeof NamedRoomDefault>;

/** `PUT /notifications/default`: the person's own default for named rooms; null goes back to the place's. */
export const NamedRoomDefaultBody = z.object({ level: NotificationLevel.nullable() });

/**
 * `GET /notifications`: the levels the person chose, by room id (rooms not listed use the default),
 * and the default of named rooms for them (`namedDefault`; conversations always default to "all").
 */
export const NotificationLevels = z.object({ levels: z.record(z.string(), NotificationLevel), namedDefault: NamedRoomDefault.optional() });
export type NotificationLevels = z.infer<typeof NotificationLevels>;

/** `GET /push/key`: the server's VAPID public key (URL-safe base64 of the P-256 point), for `pushManager.subscribe`. */
export const PushKey = z.object({ publicKey: z.string() });
export type PushKey = z.infer<typeof PushKey>;

const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, "must be URL-safe base64").max(200);

/**
 * `POST /push/subscriptions`: a browser's `PushSubscription.toJSON()` (W3C Push API), one per
 * device. `keys.p256dh` is the device's P-256 public key, `keys.auth` its 16-byte secret
 * (RFC 8291), both URL-safe base64.
 */
export const PushSubscriptionBody = z.object({
  endpoint: z.string().url("endpoint must be a URL").max(2048, "endpoint is too long"),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: Base64Url, auth: Base64Url }),
});
export type PushSubscriptionBody = z.infer<typeof PushSubscriptionBody>;

/** `DELETE /push/subscriptions`: forget this device's subscription (on sign-out, or when notifications are turned off). */
export const DeletePushSubscriptionBody = z.object({ endpoint: z.string().max(2048) });
export type DeletePushSubscriptionBody = z.infer<typeof DeletePushSubscriptionBody>;

/** Characters of a message's text a notification carries at most (the rest is cut, with an ellipsis). */
export const NOTIFICATION_TEXT_LENGTH = 140;

/**
 * What a Web Push message carries (JSON, encrypted for the device per RFC 8291), and what the
 * service worker shows: only what the recipient could read in the room anyway.
 */
export const PushPayload = z.object({
  /** Notification title: the room's name for named and group rooms, the sender's name for a private room. */
  title: z.string(),
  /** `Sender: text…` in named and group rooms, the text alone in a private room. */
  body: z.string(),
  roomId: RoomId,
  messageId: z.string(),
  /** Why it was sent. */
  reason: z.enum(["mention", "conversation"]),
  /** Where a click goes: the message's permalink (`/#/room/{id}/message/{messageId}`), the room open at it. */
  url: z.string(),
});
export type PushPayload = z.infer<typeof PushPayload>;

/** `text` cut to `max` characters (whole code points), with an ellipsis when cut; white space runs collapsed. */
export function truncateForNotification(text: string, max = NOTIFICATION_TEXT_LENGTH): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/** A message's permalink in the app (as the client's "Copy link", without the origin). */
export function messageUrl(roomId: string, messageId: string): string {
  return `/#/room/${roomId}/message/${messageId}`;
}

/** The app's URL with a room open (the client keeps the open room in the hash). */
export function roomUrl(roomId: string): string {
  return `/#/room/${roomId}`;
}
