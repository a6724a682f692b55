import { memo } from "react";
import type { ChatMessage } from "../../protocol/index.js";
import { fullTime, messageTime } from "../lib/time.js";
import type { PendingMessage } from "../state/pending.js";
import { Avatar } from "./Avatar.js";

interface RowProps {
  message: ChatMessage;
  name: string;
  mine: boolean;
  continued: boolean;
  now: number;
}

/** One stored message. The text is a React text node: never parsed as HTML. */
export const MessageRow = memo(function MessageRow({ message, name, mine, continued, now }: RowProps) {
  const iso = new Date(message.date * 1000).toISOString();
  return (
    <li className={`msg${mine ? " msg--mine" : ""}${continued ? " msg--continued" : ""}`} data-id={message.id}>
      <span className="msg__avatar">{!continued && <Avatar name={name} id={message.from} size={34} />}</span>
      <div className="msg__body">
        {!continued && (
          <div className="msg__meta">
            <span className="msg__name">{mine ? `${name} (you)` : name}</span>
            <time dateTime={iso} title={fullTime(message.date)}>{messageTime(message.date, now)}</time>
          </div>
        )}
        <p className="msg__text">{message.message}</p>
      </div>
      {continued && <time className="msg__hover-time" dateTime={iso} title={fullTime(message.date)}>{messageTime(message.date, now)}</time>}
    </li>
  );
});

export function PendingRow({ pending, name, onRetry }: { pending: PendingMessage; name: string; onRetry: (clientId: string) => void }) {
  const failed = pending.status === "failed";
  return (
    <li className={`msg msg--mine msg--pending${failed ? " msg--failed" : ""}`} aria-busy={!failed}>
      <span className="msg__avatar"><Avatar name={name} size={34} /></span>
      <div className="msg__body">
        <div className="msg__meta">
          <span className="msg__name">{name} (you)</span>
          {failed ? (
            <span className="msg__state msg__state--failed" role="alert">
              Not sent{pending.error ? ` (${pending.error})` : ""}.{" "}
              <button type="button" className="link" onClick={() => onRetry(pending.clientId)}>Retry</button>
            </span>
          ) : (
            <span className="msg__state">Sending…</span>
          )}
        </div>
        <p className="msg__text">{pending.text}</p>
      </div>
    </li>
  );
}
