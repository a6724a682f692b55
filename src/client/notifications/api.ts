import { z } from "zod";
import { NamedRoomDefault, NotificationLevels, PushKey, RoomNotificationLevel, type NotificationLevel } from "../../protocol/index.js";
import { request } from "../api.js";

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

/** The notification routes (docs/api.md, "Notifications"). */
export const notificationsApi = {
  /** Levels the person chose, by room id, and the default of named rooms for them. */
  levels: () => request(NotificationLevels, "/notifications"),
  /** The person's own default for named rooms (null: the place's). */
  setNamedDefault: (level: NotificationLevel | null) => request(NamedRoomDefault, "/notifications/default", json("PUT", { level })),
  setLevel: (roomId: string, level: NotificationLevel) =>
    request(RoomNotificationLevel, `/room/${encodeURIComponent(roomId)}/notifications`, json("PUT", { level })),
  pushKey: () => request(PushKey, "/push/key").then((r) => r.publicKey),
  subscribe: (subscription: PushSubscriptionJSON) => request(z.unknown(), "/push/subscriptions", json("POST", subscription)),
  unsubscribe: (endpoint: string) => request(z.unknown(), "/push/subscriptions", json("DELETE", { endpoint })),
};
