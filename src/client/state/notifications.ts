import {
  defaultNotificationLevel, parsePrivateRoomId, truncateForNotification,
  type ChatMessage, type NamedRoomDefault, type NotificationLevel, type NotificationRoomKind,
} from "../../protocol/index.js";

/** Notification permission as the page sees it; "unsupported" where the Notification API is missing. */
export type PermissionState = "default" | "granted" | "denied" | "unsupported";

/** Web Push on this device: not set up, being set up, on, or not possible here. */
export type PushState = "off" | "subscribing" | "on" | "unsupported" | "failed";

export interface NotificationsState {
  /** Levels the person chose, by room id (from the server, the same on every device). */
  levels: Record<string, NotificationLevel>;
  levelsLoaded: boolean;
  /** The level of named rooms without a level of their own: the person's default, else the place's (issue 18). */
  namedDefault: NamedRoomDefault;
  permission: PermissionState;
  /** The person closed the "turn on notifications" banner (kept per browser). */
  promptDismissed: boolean;
  push: PushState;
}

export type NotificationsAction =
  | { type: "levelsLoaded"; levels: Record<string, NotificationLevel>; namedDefault?: NamedRoomDefault }
  | { type: "namedDefault"; namedDefault: NamedRoomDefault }
  | { type: "levelSet"; roomId: string; level: NotificationLevel }
  | { type: "permission"; permission: PermissionState }
  | { type: "promptDismissed" }
  | { type: "push"; push: PushState };

export function initialNotificationsState(permission: PermissionState, promptDismissed: boolean): NotificationsState {
  return { levels: {}, levelsLoaded: false, namedDefault: { level: defaultNotificationLevel("named"), chosen: false }, permission, promptDismissed, push: "off" };
}

export function notificationsReducer(state: NotificationsState, action: NotificationsAction): NotificationsState {
  switch (action.type) {
    case "levelsLoaded":
      // A level set on this device while the list was on its way wins over the older list.
      return { ...state, levels: { ...action.levels, ...pendingOnly(state) }, levelsLoaded: true, namedDefault: action.namedDefault ?? state.namedDefault };
    case "namedDefault":
      return { ...state, namedDefault: action.namedDefault };
    case "levelSet":
      return { ...state, levels: { ...state.levels, [action.roomId]: action.level } };
    case "permission":
      return { ...state, permission: action.permission };
    case "promptDismissed":
      return { ...state, promptDismissed: true };
    case "push":
      return { ...state, push: action.push };
  }
}

function pendingOnly(state: NotificationsState): Record<string, NotificationLevel> {
  return state.levelsLoaded ? {} : state.levels;
}

/**
 * The room's kind: private from its id (`{low}:{high}`); otherwise the kind the room list gave
 * (`group` for closed conversations of three or more), else a named room.
 */
export function roomKind(roomId: string, listedKind?: string): NotificationRoomKind {
  if (parsePrivateRoomId(roomId)) return "private";
  return listedKind === "group" || listedKind === "private" ? listedKind : "named";
}

/** The person's level in a room: what they chose, else the kind's default (`namedDefault` for named rooms). */
export function effectiveLevel(levels: Record<string, NotificationLevel>, roomId: string, kind: NotificationRoomKind, namedDefault?: NotificationLevel): NotificationLevel {
  return levels[roomId] ?? defaultNotificationLevel(kind, namedDefault);
}

export interface NotifyQuestion {
  message: Pick<ChatMessage, "from" | "mentions">;
  meId: number;
  level: NotificationLevel;
  /** The tab is hidden (another tab, another window, minimised). */
  hidden: boolean;
  permission: PermissionState;
}

/**
 * Whether a live message should raise a desktop notification, and why: only while the tab is
 * hidden, with permission, never for one's own message, and as the room's level says ("mentions":
 * only messages that mention me; "all": every message; "none": nothing). Returns null for no.
 */
export function shouldNotify(q: NotifyQuestion): "mention" | "message" | null {
  if (!q.hidden || q.permission !== "granted" || q.message.from === q.meId) return null;
  const mentioned = q.message.mentions?.includes(q.meId) ?? false;
  if (q.level === "none") return null;
  if (mentioned) return "mention";
  return q.level === "all" ? "message" : null;
}

export interface NotificationContent {
  title: string;
  body: string;
  /** One notification per message: several tabs showing it collapse into one. */
  tag: string;
}

/**
 * What the notification says, the same as a Web Push from the server: a private room is titled by
 * the sender and shows the text; other rooms are titled by the room and show "Sender: text".
 */
export function notificationContent(
  message: Pick<ChatMessage, "id" | "message" | "roomId">,
  kind: NotificationRoomKind,
  roomTitle: string,
  senderName: string,
): NotificationContent {
  const text = truncateForNotification(message.message);
  return kind === "private"
    ? { title: senderName, body: text, tag: `message:${message.roomId}:${message.id}` }
    : { title: roomTitle, body: `${senderName}: ${text}`, tag: `message:${message.roomId}:${message.id}` };
}

/**
 * Whether to show the "turn on notifications" banner: the browser can notify, the person has not
 * answered the browser's question yet, and has not closed the banner. Never the browser's own
 * prompt: that only follows a click on the banner.
 */
export function shouldOfferPermission(state: Pick<NotificationsState, "permission" | "promptDismissed">): boolean {
  return state.permission === "default" && !state.promptDismissed;
}

export const LEVEL_LABELS: Record<NotificationLevel, string> = {
  all: "Every message",
  mentions: "Mentions only",
  none: "Nothing",
};
