/**
 * Where a click on a push notification goes, apart from the worker's APIs so that it can be tested
 * in Node. Kept free of imports: the worker is emitted as one file (see sw.ts).
 */

/** What a notification carries from its push payload (protocol's PushPayload; anything else is ignored). */
export interface NotificationTarget {
  roomId: string | null;
  messageId: string | null;
  /** The app's path to open in a new window: the message's permalink, else the room, else `/`. */
  url: string;
}

const ROOM_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const MESSAGE_ID = /^\d{1,20}(?:-[0-9a-f]{12})?$/;

/** The target of a push payload as the push event parsed it (unknown shape: anything may arrive). */
export function notificationTarget(data: unknown): NotificationTarget {
  const d = (data && typeof data === "object" ? data : {}) as { roomId?: unknown; messageId?: unknown; url?: unknown };
  const roomId = typeof d.roomId === "string" && ROOM_ID.test(d.roomId) ? d.roomId : null;
  const messageId = roomId && typeof d.messageId === "string" && MESSAGE_ID.test(d.messageId) ? d.messageId : null;
  // The permalink is built from the ids (the same as the app's "Copy link"), so an older server's
  // room-only `url` still leads to the message; a path of our own origin is the fallback.
  const url = roomId && messageId ? `/#/room/${roomId}/message/${messageId}`
    : roomId ? `/#/room/${roomId}`
    : typeof d.url === "string" && d.url.startsWith("/") && !d.url.startsWith("//") ? d.url
    : "/";
  return { roomId, messageId, url };
}

/** A window of the app, as `clients.matchAll` lists them (the fields used here). */
export interface AppWindow {
  url: string;
  focused?: boolean;
}

/**
 * What a click does: focus a window of the app already open (the focused one, else the first of
 * this origin) and tell it which message to show, or open a new window at the permalink.
 */
export function clickPlan<W extends AppWindow>(target: NotificationTarget, windows: readonly W[], origin: string):
  | { kind: "focus"; window: W; message: { type: "open-room"; roomId: string; messageId?: string } | null }
  | { kind: "open"; url: string } {
  const ours = windows.filter((w) => {
    try {
      return new URL(w.url).origin === origin;
    } catch {
      return false;
    }
  });
  const window = ours.find((w) => w.focused) ?? ours[0];
  if (!window) return { kind: "open", url: target.url };
  const message = target.roomId
    ? { type: "open-room" as const, roomId: target.roomId, ...(target.messageId ? { messageId: target.messageId } : {}) }
    : null;
  return { kind: "focus", window, message };
}
