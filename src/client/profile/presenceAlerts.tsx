import { createContext, useCallback, useContext, useEffect, useReducer, useRef, useState } from "react";
import { privateRoomId } from "../../protocol/index.js";
import { showNotification } from "../notifications/show.js";
import { profileApi } from "./api.js";
import { noPresenceAlerts, presenceAlertsReducer, watchedPeople } from "../state/presenceAlerts.js";
import { onPresence, onPresenceAlerts } from "./bus.js";

/** How long an in-app alert stays before it goes by itself. */
const TOAST_MS = 10_000;

export interface PresenceAlertsController {
  /** The list has come from the server (the card's toggle waits for it). */
  loaded: boolean;
  watching(userId: number): boolean;
  set(userId: number, on: boolean): Promise<void>;
}

export const PresenceAlertsContext = createContext<PresenceAlertsController | null>(null);

export function usePresenceAlertsContext(): PresenceAlertsController | null {
  return useContext(PresenceAlertsContext);
}

export interface OnlineToast {
  key: number;
  userId: number;
  name: string;
}

/**
 * "Tell me when X comes online" (issue 18). The people chosen are kept on the server (every device
 * of the person); when one of them comes online (a live presence event, not a snapshot after a
 * reconnect) this shows an in-app alert and, while the tab is hidden and notifications are allowed,
 * a desktop notification whose click opens the conversation. Nothing goes to a timeline. A choice
 * made on another tab or device arrives live (`presence.alerts`) and shows here at once.
 */
export function usePresenceAlerts(me: number, deps: {
  nameOf: (userId: number) => string;
  isOnline: (userId: number) => boolean;
  onOpen: (userId: number) => void;
}, connected = true): { controller: PresenceAlertsController; toasts: OnlineToast[]; dismiss: (key: number) => void } {
  const [alerts, dispatch] = useReducer(presenceAlertsReducer, noPresenceAlerts);
  const watched = watchedPeople(alerts);
  const [toasts, setToasts] = useState<OnlineToast[]>([]);
  const depsRef = useRef(deps);
  depsRef.current = deps;
  const watchedRef = useRef(watched);
  watchedRef.current = watched;
  const nextKey = useRef(0);

  // Read on arrival and again after every reconnection (a change made elsewhere meanwhile was not
  // pushed here); a list pushed while a read is on its way is newer than that read's answer.
  const everRead = useRef(false);
  useEffect(() => {
    if (!connected) return;
    let cancelled = false;
    let pushed = false;
    const off = onPresenceAlerts((userIds) => {
      pushed = true;
      dispatch({ type: "serverList", userIds });
    });
    profileApi.presenceAlerts().then(
      (ids) => {
        everRead.current = true;
        if (!cancelled && !pushed) dispatch({ type: "serverList", userIds: ids });
      },
      // Unreadable: none, the first time (the toggle still works); afterwards the list known stays.
      () => !cancelled && !pushed && !everRead.current && dispatch({ type: "serverList", userIds: [] }),
    );
    return () => {
      cancelled = true;
      off();
    };
  }, [connected]);

  const dismiss = useCallback((key: number) => setToasts((list) => list.filter((t) => t.key !== key)), []);

  useEffect(() => onPresence((users) => {
    const { nameOf, isOnline, onOpen } = depsRef.current;
    for (const user of users) {
      // Online already as far as this tab knows: a second device, or a flap inside one batch.
      if (!user.online || !watchedRef.current?.has(user.id) || isOnline(user.id)) continue;
      const name = nameOf(user.id) || user.username;
      const key = nextKey.current++;
      setToasts((list) => [...list.filter((t) => t.userId !== user.id), { key, userId: user.id, name }]);
      setTimeout(() => dismiss(key), TOAST_MS);
      if (document.visibilityState === "hidden" && typeof Notification !== "undefined" && Notification.permission === "granted") {
        void showNotification({ title: `${name} is online`, body: "", tag: `online:${user.id}` }, privateRoomId(me, user.id), () => onOpen(user.id))
          .catch(() => {});
      }
    }
  }), [me, dismiss]);

  const set = useCallback(async (userId: number, on: boolean) => {
    dispatch({ type: "changing", userId, on });
    try {
      await profileApi.setPresenceAlert(userId, on);
      dispatch({ type: "changed", userId, on });
    } catch (error) {
      dispatch({ type: "changeFailed", userId });
      throw error;
    }
  }, []);

  const controller: PresenceAlertsController = {
    loaded: watched !== null,
    watching: (userId) => watched?.has(userId) ?? false,
    set,
  };
  return { controller, toasts, dismiss };
}

/** The in-app "X is online" alerts: read out politely, each with Message and a close button. */
export function OnlineToasts({ toasts, dismiss, onOpen }: { toasts: OnlineToast[]; dismiss: (key: number) => void; onOpen: (userId: number) => void }) {
  return (
    <div className="toasts" role="status" aria-live="polite" aria-label="People who came online">
      {toasts.map((t) => (
        <div key={t.key} className="toast">
          <span className="toast__text">{t.name} is online</span>
          <button type="button" className="ghost ghost--small" onClick={() => { dismiss(t.key); onOpen(t.userId); }}>Message</button>
          <button type="button" className="icon-button" aria-label={`Dismiss: ${t.name} is online`} onClick={() => dismiss(t.key)}>✕</button>
        </div>
      ))}
    </div>
  );
}
