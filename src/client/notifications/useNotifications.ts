import { createContext, useCallback, useContext, useEffect, useReducer, useRef } from "react";
import type { NotificationLevel, NotificationRoomKind, SessionUser } from "../../protocol/index.js";
import { displayRoomTitle, userName } from "../components/names.js";
import type { ChatState } from "../state/chat.js";
import {
  effectiveLevel, initialNotificationsState, notificationContent, notificationsReducer, roomKind, shouldNotify,
  type NotificationsState, type PermissionState,
} from "../state/notifications.js";
import { notificationsApi } from "./api.js";
import { onLiveMessages, onPlaceDefault, onSignOut } from "./bus.js";
import { currentPermission, disablePush, enablePush, pushSupported } from "./push.js";
import { showNotification } from "./show.js";

const PROMPT_DISMISSED = "redis-chat:notifications-prompt-dismissed";

export interface NotificationsController {
  state: NotificationsState;
  /** The person's level in a room, and the room's kind. */
  levelOf(roomId: string): { level: NotificationLevel; kind: NotificationRoomKind };
  setLevel(roomId: string, level: NotificationLevel): Promise<void>;
  /** The person's own default for named rooms without a level of their own; null follows the place's. */
  setNamedDefault(level: NotificationLevel | null): Promise<void>;
  /** Asks the browser for permission (call from a click), and sets up Web Push if granted; the browser's answer. */
  requestPermission(): Promise<PermissionState>;
  dismissPrompt(): void;
}

export const NotificationsContext = createContext<NotificationsController | null>(null);

export function useNotificationsContext(): NotificationsController | null {
  return useContext(NotificationsContext);
}

const listedKind = (state: ChatState, roomId: string) => (state.rooms[roomId] as { kind?: string } | undefined)?.kind;

/**
 * Notifications for the signed-in page: levels from the server, desktop notifications for live
 * messages while the tab is hidden (as `shouldNotify` decides), Web Push set up once permission is
 * granted, clicks that open the room, and the device's push subscription dropped on sign-out.
 */
export function useNotifications(me: SessionUser, chat: ChatState, openRoom: (roomId: string, messageId?: string) => void): NotificationsController {
  const [state, dispatch] = useReducer(notificationsReducer, undefined, () =>
    initialNotificationsState(currentPermission(), localStorage.getItem(PROMPT_DISMISSED) === "1"));
  const chatRef = useRef(chat);
  chatRef.current = chat;
  const stateRef = useRef(state);
  stateRef.current = state;
  const openRef = useRef(openRoom);
  openRef.current = openRoom;

  const setUpPush = useCallback(async () => {
    if (!pushSupported()) {
      dispatch({ type: "push", push: "unsupported" });
      return;
    }
    dispatch({ type: "push", push: "subscribing" });
    const on = await enablePush().catch(() => false);
    dispatch({ type: "push", push: on ? "on" : "failed" });
  }, []);

  // Levels now, and again whenever the tab comes back (another device may have changed one).
  useEffect(() => {
    const load = () => void notificationsApi.levels().then(({ levels, namedDefault }) => dispatch({ type: "levelsLoaded", levels, namedDefault }), () => undefined);
    load();
    const onVisible = () => {
      if (document.visibilityState === "visible") load();
      dispatch({ type: "permission", permission: currentPermission() });
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => document.removeEventListener("visibilitychange", onVisible);
  }, [me.id]);

  // Permission granted on an earlier visit: keep this device's push subscription current.
  useEffect(() => {
    if (currentPermission() === "granted") void setUpPush();
  }, [me.id, setUpPush]);

  // The place's default changed: it applies unless the person chose their own.
  useEffect(() => onPlaceDefault((level) => {
    if (!stateRef.current.namedDefault.chosen) dispatch({ type: "namedDefault", namedDefault: { level, chosen: false } });
  }), []);

  // Sign-out: this device stops receiving the person's pushes.
  useEffect(() => onSignOut(disablePush), []);

  // Live messages while hidden.
  useEffect(() => onLiveMessages((roomId, messages) => {
    const chatState = chatRef.current;
    const kind = roomKind(roomId, listedKind(chatState, roomId));
    const level = effectiveLevel(stateRef.current.levels, roomId, kind, stateRef.current.namedDefault.level);
    const hidden = document.visibilityState === "hidden";
    for (const message of messages) {
      if (!shouldNotify({ message, meId: me.id, level, hidden, permission: currentPermission() })) continue;
      const room = chatState.rooms[roomId];
      const title = room ? displayRoomTitle(room, chatState) : roomId;
      const sender = chatState.users[message.from] ? userName(chatState, message.from) : "Someone";
      void showNotification(notificationContent(message, kind, title, sender), roomId, () => openRef.current(roomId, message.id)).catch(() => undefined);
    }
  }), [me.id]);

  // A click on a notification the service worker showed (Web Push, or Android): open its message here.
  useEffect(() => {
    if (!("serviceWorker" in navigator)) return;
    const onMessage = (event: MessageEvent) => {
      const data = event.data as { type?: unknown; roomId?: unknown; messageId?: unknown } | null;
      if (data?.type !== "open-room" || typeof data.roomId !== "string") return;
      if (typeof data.messageId === "string") openRef.current(data.roomId, data.messageId);
      else openRef.current(data.roomId);
    };
    navigator.serviceWorker.addEventListener("message", onMessage);
    return () => navigator.serviceWorker.removeEventListener("message", onMessage);
  }, []);

  const levelOf = useCallback((roomId: string) => {
    const kind = roomKind(roomId, listedKind(chatRef.current, roomId));
    return { kind, level: effectiveLevel(stateRef.current.levels, roomId, kind, stateRef.current.namedDefault.level) };
  }, []);

  const setLevel = useCallback(async (roomId: string, level: NotificationLevel) => {
    const before = stateRef.current.levels[roomId];
    dispatch({ type: "levelSet", roomId, level });
    try {
      await notificationsApi.setLevel(roomId, level);
    } catch (error) {
      const kind = roomKind(roomId, listedKind(chatRef.current, roomId));
      dispatch({ type: "levelSet", roomId, level: before ?? effectiveLevel({}, roomId, kind, stateRef.current.namedDefault.level) });
      throw error;
    }
  }, []);

  const setNamedDefault = useCallback(async (level: NotificationLevel | null) => {
    dispatch({ type: "namedDefault", namedDefault: await notificationsApi.setNamedDefault(level) });
  }, []);

  const requestPermission = useCallback(async (): Promise<PermissionState> => {
    if (typeof Notification === "undefined") return "unsupported";
    const answer = await Notification.requestPermission();
    dispatch({ type: "permission", permission: answer });
    // Push is set up after: the answer is what the click waits for (subscribing can take a while).
    if (answer === "granted") void setUpPush();
    return answer;
  }, [setUpPush]);

  const dismissPrompt = useCallback(() => {
    localStorage.setItem(PROMPT_DISMISSED, "1");
    dispatch({ type: "promptDismissed" });
  }, []);

  return { state, levelOf, setLevel, setNamedDefault, requestPermission, dismissPrompt };
}
