import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";
import { privateRoomId } from "../../protocol/index.js";
import { showNotification } from "../notifications/show.js";
import { profileApi } from "./api.js";
import { onPresence } from "./bus.js";

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
 * a desktop notification whose click opens the conversation. Nothing goes to a timeline.
 */
export function usePresenceAlerts(me: number, deps: {
  nameOf: (userId: number) => string;
  isOnline: (userId: number) => boolean;
  onOpen: (userId: number) => void;
}): { controller: PresenceAlertsController; toasts: OnlineToast[]; dismiss: (key: number) => void } {
  const [watched, setWatched] = useState<ReadonlySet<number> | null>(null);
  const [toasts, setToasts] = useState<OnlineToast[]>([]);
  const depsRef = useRef(deps);
  depsRef.current = deps;
  const watchedRef = useRef(watched);
  watchedRef.current = watched;
  const nextKey = useRef(0);

  useEffect(() => {
    let cancelled = false;
    profileApi.presenceAlerts().then((ids) => !cancelled && setWatched(new Set(ids)), () => !cancelled && setWatched(new Set()));
    return () => { cancelled = true; };
  }, []);

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
    const change = (list: ReadonlySet<number> | null) => {
      const next = new Set(list ?? []);
      if (on) next.add(userId);
      else next.delete(userId);
      return next;
    };
    setWatched(change);
    try {
      await profileApi.setPresenceAlert(userId, on);
    } catch (error) {
      setWatched((list) => {
        const back = new Set(list ?? []);
        if (on) back.delete(userId);
        else back.add(userId);
        return back;
      });
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
