import { useId, useState } from "react";
import { shouldOfferPermission } from "../state/notifications.js";
import { useNotificationsContext } from "./useNotifications.js";
import { usePlaceName } from "../lib/placeName.js";
import "./notifications.css";

/**
 * The "turn on notifications" offer, shown after sign-in until the person answers or closes it:
 * one line in the sidebar (it is there on every visit until then). The browser's own permission
 * prompt only ever follows a click here (or in a room's menu). The click is answered at once (the
 * browser may take seconds to ask, or answer by itself); a refusal says that notifications are
 * blocked and where to allow them, since the browser will not ask again.
 */
export function NotificationPrompt() {
  const notifications = useNotificationsContext();
  const place = usePlaceName();
  const [step, setStep] = useState<"offer" | "asking" | "blocked">("offer");
  const titleId = useId();
  const textId = useId();
  if (!notifications) return null;

  if (step === "blocked") {
    return (
      <section className="notify-prompt notify-prompt--blocked" aria-labelledby={titleId}>
        <span className="notify-prompt__icon" aria-hidden="true"><BellIcon muted /></span>
        <div className="notify-prompt__text" role="alert">
          <strong id={titleId}>Notifications are blocked</strong>
          <span className="small">Your browser blocks them for this site and will not ask again. To allow them, open the
            site settings (the icon at the left of the address bar), set Notifications to Allow, and reload.</span>
        </div>
        <button type="button" className="ghost ghost--small notify-prompt__ok" onClick={() => setStep("offer")}>OK</button>
      </section>
    );
  }
  if (step !== "asking" && !shouldOfferPermission(notifications.state)) return null;

  const turnOn = async () => {
    setStep("asking");
    const answer = await notifications.requestPermission().catch(() => "default" as const);
    setStep(answer === "denied" ? "blocked" : "offer");
  };
  const description = `Notifications of mentions and private messages while ${place || "this chat"} is in the background.`;
  return (
    <section className="notify-prompt" aria-labelledby={titleId} aria-describedby={textId} title={description}>
      <span className="notify-prompt__icon" aria-hidden="true"><BellIcon /></span>
      <strong className="notify-prompt__title" id={titleId}>Get notified</strong>
      <span className="visually-hidden" id={textId}>{description}</span>
      <span className="visually-hidden" role="status">{step === "asking" ? "Answer your browser's question to turn on notifications." : ""}</span>
      <div className="notify-prompt__actions">
        <button type="button" className="primary primary--small" disabled={step === "asking"} onClick={() => void turnOn()}>
          {step === "asking" ? "Asking…" : "Turn on"}</button>
        <button type="button" className="ghost ghost--small" disabled={step === "asking"} onClick={notifications.dismissPrompt}>Not now</button>
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
