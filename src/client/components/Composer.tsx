import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { MAX_MESSAGE_LENGTH } from "../../protocol/index.js";

/** Unsent text per room, kept while switching rooms (not across reloads). */
const drafts = new Map<string, string>();

interface Props {
  roomId: string;
  roomTitle: string;
  autoFocus: boolean;
  onSend: (text: string) => void;
  onEscape: () => void;
}

/** Enter sends, Shift+Enter starts a new line. Grows with its text up to a few lines. */
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

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!text.trim()) return;
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
      <textarea ref={box} aria-label="Message" placeholder={`Message ${roomTitle}`} rows={1}
        maxLength={MAX_MESSAGE_LENGTH} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} />
      <button type="submit" className="primary composer__send" disabled={!text.trim()}>Send</button>
    </form>
  );
}
