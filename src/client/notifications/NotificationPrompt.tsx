import { shouldOfferPermission } from "../state/notifications.js";
import { useNotificationsContext } from "./useNotifications.js";
import "./notifications.css";

/**
 * The "turn on notifications" banner, shown after sign-in until the person answers or closes it.
 * The browser's own permission prompt only ever follows a click here (or in a room's menu).
 */
export function NotificationPrompt() {
  const notifications = useNotificationsContext();
  if (!notifications || !shouldOfferPermission(notifications.state)) return null;
  return (
    <section className="notify-prompt" aria-labelledby="notify-prompt-title">
      <span className="notify-prompt__icon" aria-hidden="true"><BellIcon /></span>
      <div className="notify-prompt__text">
        <strong id="notify-prompt-title">Get notified</strong>
        <span className="muted small">of mentions and private messages while Redis Chat is in the background.</span>
      </div>
      <div className="notify-prompt__actions">
        <button type="button" className="primary" onClick={() => void notifications.requestPermission()}>Turn on</button>
        <button type="button" className="ghost" onClick={notifications.dismissPrompt}>Not now</button>
      </div>
    </section>
  );
}

export function BellIcon({ muted = false }: { muted?: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
      {muted && <path d="M3 3l18 18" />}
    </svg>
  );
}
