import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import type { NotificationLevel } from "../../protocol/index.js";
import { LEVEL_LABELS } from "../state/notifications.js";
import { BellIcon } from "./NotificationPrompt.js";
import { useNotificationsContext } from "./useNotifications.js";
import "./notifications.css";

const LEVELS: NotificationLevel[] = ["all", "mentions", "none"];
const HINTS: Record<NotificationLevel, string> = {
  all: "Notify me of every message",
  mentions: "Only when someone @mentions me",
  none: "Never notify me from this chat",
};

/**
 * The room header's notification menu: every message, mentions only, or nothing, for this room,
 * saved on the server (so every device of the person follows it). Self-contained: it reads the
 * notifications context and needs only the room id.
 */
export function NotificationLevelMenu({ roomId }: { roomId: string }) {
  const notifications = useNotificationsContext();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const onDown = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onDown);
    root.current?.querySelector<HTMLElement>('[aria-checked="true"]')?.focus();
    return () => document.removeEventListener("pointerdown", onDown);
  }, [open]);

  if (!notifications) return null;
  const { level } = notifications.levelOf(roomId);
  const permission = notifications.state.permission;

  const choose = (next: NotificationLevel) => {
    setOpen(false);
    button.current?.focus();
    setError(null);
    notifications.setLevel(roomId, next).catch((e: unknown) => setError(e instanceof Error ? e.message : "Not saved"));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      setOpen(false);
      button.current?.focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    const items = [...(root.current?.querySelectorAll<HTMLElement>('[role="menuitemradio"], [role="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next = items[(at + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length];
    next?.focus();
  };

  return (
    <div className="notify-menu" ref={root} onKeyDown={onKeyDown}>
      <button ref={button} type="button" className="ghost notify-menu__button" aria-haspopup="menu" aria-expanded={open}
        aria-controls={open ? menuId : undefined} aria-label={`Notifications: ${LEVEL_LABELS[level]}`}
        title={`Notifications: ${LEVEL_LABELS[level]}`} onClick={() => setOpen((o) => !o)}>
        <BellIcon muted={level === "none"} />
        {level === "mentions" && <span className="notify-menu__at" aria-hidden="true">@</span>}
      </button>
      {open && (
        <div className="notify-menu__popup" role="menu" id={menuId} aria-label="Notify me of">
          <p className="notify-menu__heading muted small" aria-hidden="true">Notify me of</p>
          {LEVELS.map((option) => (
            <button key={option} type="button" role="menuitemradio" aria-checked={option === level} className="notify-menu__item"
              onClick={() => choose(option)}>
              <span className="notify-menu__check" aria-hidden="true">{option === level ? "✓" : ""}</span>
              <span className="notify-menu__label">
                {LEVEL_LABELS[option]}
                <span className="muted small">{HINTS[option]}</span>
              </span>
            </button>
          ))}
          {permission === "default" && (
            <button type="button" role="menuitem" className="notify-menu__item notify-menu__enable"
              onClick={() => { setOpen(false); void notifications.requestPermission(); }}>
              <span className="notify-menu__check" aria-hidden="true" />
              <span className="notify-menu__label">Turn on desktop notifications</span>
            </button>
          )}
          {permission === "denied" && (
            <p className="notify-menu__note muted small">Notifications are blocked for this site in the browser's settings.</p>
          )}
        </div>
      )}
      {error && <span className="visually-hidden" role="alert">Notification setting not saved: {error}</span>}
    </div>
  );
}
