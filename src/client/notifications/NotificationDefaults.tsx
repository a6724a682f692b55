import { useState } from "react";
import type { NotificationLevel } from "../../protocol/index.js";
import { LEVEL_LABELS } from "../state/notifications.js";
import { useNotificationsContext } from "./useNotifications.js";

const CHOICES: NotificationLevel[] = ["all", "mentions", "none"];
const PHRASE: Record<NotificationLevel, string> = { all: "every message", mentions: "mentions", none: "nothing" };

/**
 * The settings screen's notification default (issue 18): what named rooms without a level of their
 * own notify this person of: the place's default (an administrator's setting) or their own. Saved
 * on the server, so every device of theirs follows it; a room's bell still wins for that room.
 */
export function NotificationDefaults({ placeDefault }: { placeDefault: NotificationLevel | null }) {
  const notifications = useNotificationsContext();
  const [status, setStatus] = useState<{ error?: string; saved?: boolean }>({});
  // The choice shows at once; the server's answer replaces it (a failure puts the old one back).
  const [picked, setPicked] = useState<NotificationLevel | null | undefined>(undefined);
  if (!notifications) return null;
  const { namedDefault } = notifications.state;
  const current = picked !== undefined ? picked : namedDefault.chosen ? namedDefault.level : null;
  const choose = (level: NotificationLevel | null) => {
    setStatus({});
    setPicked(level);
    notifications.setNamedDefault(level).then(
      () => setStatus({ saved: true }),
      (e: unknown) => setStatus({ error: e instanceof Error ? e.message : "Not saved" }),
    ).finally(() => setPicked(undefined));
  };
  const place = placeDefault ?? (namedDefault.chosen ? null : namedDefault.level);
  return (
    <fieldset className="setup__join">
      <legend>Notify me in rooms</legend>
      <p className="muted small">For named rooms where you have not chosen with the room's bell. Conversations notify you of every message.</p>
      <label className="setup__choice">
        <input type="radio" name="named-default" checked={current === null} onChange={() => choose(null)} />
        {" "}As the place's default{place ? ` (${PHRASE[place]})` : ""}
      </label>
      {CHOICES.map((level) => (
        <label key={level} className="setup__choice">
          <input type="radio" name="named-default" checked={current === level} onChange={() => choose(level)} />
          {" "}{LEVEL_LABELS[level]}
        </label>
      ))}
      {status.saved && <p className="muted small" role="status">Saved.</p>}
      {status.error && <p className="error" role="alert">{status.error}</p>}
    </fieldset>
  );
}
