import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { composerStatus, composerStatusText } from "../state/composer.js";

/** Unsent text per room, kept while switching rooms (not across reloads). */
const drafts = new Map<string, string>();

interface Props {
  roomId: string;
  roomTitle: string;
  autoFocus: boolean;
  onSend: (text: string) => void;
  onEscape: () => void;
}

/**
 * Enter sends, Shift+Enter starts a new line. Grows with its text up to a few lines. Near the
 * length limit it shows what is left; past it (a long paste) the text stays and sending waits.
 */
export function Composer({ roomId, roomTitle, autoFocus, onSend, onEscape }: Props) {
  const [text, setTextState] = useState(() => drafts.get(roomId) ?? "");
  const setText = (value: string) => {
    if (value) drafts.set(roomId, value);
    else drafts.delete(roomId);
    setTextState(value);
  };
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (autoFocus) box.current?.focus();
  }, [autoFocus]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);

  // The protocol's rules: text is never cut; over the limit it stays, and Send says why it is off.
  const status = composerStatus(text);
  const statusId = `composer-status-${roomId}`;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!status.canSend) return;
    onSend(text);
    setText("");
    box.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape") {
      onEscape();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <div className="composer__field">
        <textarea ref={box} aria-label="Message" placeholder={`Message ${roomTitle}`} rows={1}
          aria-invalid={status.remaining < 0 || undefined} aria-describedby={status.visible ? statusId : undefined}
          value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} />
        {status.visible && (
          <p id={statusId} className={`composer__status${status.canSend ? "" : " composer__status--blocked"}`} aria-live="polite">
            {composerStatusText(status)}
          </p>
        )}
      </div>
      <button type="submit" className="primary composer__send" disabled={!status.canSend}
        title={status.reason}>Send</button>
    </form>
  );
}
