import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { ChatMessage, Reaction } from "../../protocol/index.js";
import { MAX_MESSAGE_LENGTH, messageCaption } from "../../protocol/index.js";
import { fullTime } from "../lib/time.js";
import { EmojiPopover } from "../richtext/EmojiPopover.js";

/** What a row can ask for; one stable object per list, so rows stay memoised. */
export interface RowActions {
  reply(message: ChatMessage): void;
  startEdit(id: string): void;
  cancelEdit(): void;
  saveEdit(message: ChatMessage, text: string): Promise<void>;
  remove(message: ChatMessage): Promise<void>;
  react(message: ChatMessage, emoji: string): void;
  jumpTo(id: string): void;
}

/** Quick reactions offered before the full picker. */
const QUICK = ["👍", "❤️", "😂", "🎉"];

/** The hover/focus toolbar of a message: react, reply, and for its author edit and delete. */
export function MessageToolbar({ message, canEdit, canDelete, actions, onAskDelete }: {
  message: ChatMessage; canEdit: boolean; canDelete: boolean; actions: RowActions; onAskDelete: () => void;
}) {
  return (
    <div className="msg__toolbar" role="toolbar" aria-label="Message actions">
      {QUICK.map((emoji) => (
        <button key={emoji} type="button" className="icon-button" aria-label={`React with ${emoji}`} title={`React with ${emoji}`}
          onClick={() => actions.react(message, emoji)}>{emoji}</button>
      ))}
      <EmojiPopover label="Add reaction" placement="below" onPick={(emoji) => actions.react(message, emoji)}>
        <span aria-hidden="true">☺︎+</span>
      </EmojiPopover>
      <button type="button" className="icon-button" aria-label="Reply" title="Reply" onClick={() => actions.reply(message)}>
        <span aria-hidden="true">↩</span>
      </button>
      {canEdit && (
        <button type="button" className="icon-button" aria-label="Edit" title="Edit" onClick={() => actions.startEdit(message.id)}>
          <span aria-hidden="true">✎</span>
        </button>
      )}
      {canDelete && (
        <button type="button" className="icon-button" aria-label="Delete" title="Delete" onClick={onAskDelete}>
          <span aria-hidden="true">🗑</span>
        </button>
      )}
    </div>
  );
}

/** "Delete this message?" in place, with the choice focused on Cancel. */
export function DeleteConfirm({ onConfirm, onCancel }: { onConfirm: () => Promise<void>; onCancel: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div className="msg__confirm" role="alertdialog" aria-label="Delete this message?">
      <span>Delete this message for everyone?</span>
      <button type="button" className="danger" onClick={() => onConfirm().catch((e: unknown) => setError(e instanceof Error ? e.message : "Not deleted"))}>Delete</button>
      <button ref={cancel} type="button" className="ghost" onClick={onCancel}>Cancel</button>
      {error && <span className="error" role="alert">{error}</span>}
    </div>
  );
}

/** The inline editor: Enter saves, Shift+Enter is a new line, Escape cancels. */
export function InlineEditor({ message, actions }: { message: ChatMessage; actions: RowActions }) {
  // A message with files is edited as its caption (the server appends the files' lines again).
  const [text, setText] = useState(() => messageCaption(message));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);
  const save = () => {
    if (!text.trim() || saving) return;
    if (text === messageCaption(message)) return actions.cancelEdit();
    setSaving(true);
    actions.saveEdit(message, text).then(() => actions.cancelEdit(), (e: unknown) => {
      setSaving(false);
      setError(e instanceof Error ? e.message : "Not saved");
    });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      actions.cancelEdit();
    }
  };
  return (
    <div className="msg__editor">
      <textarea ref={box} aria-label="Edit text" value={text} maxLength={MAX_MESSAGE_LENGTH}
        onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} />
      <div className="msg__editor-bar">
        <span className="muted small">Enter to save, Escape to cancel</span>
        <button type="button" className="ghost" onClick={() => actions.cancelEdit()}>Cancel</button>
        <button type="button" className="primary" onClick={save} disabled={!text.trim() || saving}>Save</button>
      </div>
      {error && <p className="error small" role="alert">{error}</p>}
    </div>
  );
}

/** "(edited)", with the time of the last edit on hover. */
export function EditedMark({ edited }: { edited: number }) {
  const when = fullTime(edited);
  return <span className="msg__edited" title={`Edited ${when}`} aria-label={`edited ${when}`}>(edited)</span>;
}

/**
 * Reactions under a message: each emoji with its count, pressed when I reacted; a click toggles
 * mine. Who reacted shows on hover (title) and on a long press (touch).
 */
export function ReactionBar({ message, reactions, myId, nameOf, actions }: {
  message: ChatMessage; reactions: readonly Reaction[]; myId: number; nameOf: (id: number) => string; actions: RowActions;
}) {
  const [showing, setShowing] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const longPressed = useRef(false);
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <div className="reactions">
      {reactions.map((r) => {
        const mine = r.users.includes(myId);
        const who = r.users.map((id) => (id === myId ? "you" : nameOf(id))).join(", ");
        return (
          <span key={r.emoji} className="reaction-wrap">
            <button type="button" className={`reaction${mine ? " reaction--mine" : ""}`} aria-pressed={mine}
              aria-label={`${r.emoji} ${r.users.length}: ${who}. ${mine ? "Remove your reaction" : "Add yours"}`}
              title={who}
              onPointerDown={(e) => {
                if (e.pointerType !== "touch") return;
                longPressed.current = false;
                timer.current = setTimeout(() => {
                  longPressed.current = true;
                  setShowing(r.emoji);
                }, 450);
              }}
              onPointerUp={() => clearTimeout(timer.current)}
              onPointerLeave={() => clearTimeout(timer.current)}
              onContextMenu={(e) => { if (longPressed.current) e.preventDefault(); }}
              onClick={() => {
                if (longPressed.current) {
                  longPressed.current = false;
                  return;
                }
                actions.react(message, r.emoji);
              }}>
              <span className="reaction__emoji">{r.emoji}</span> <span className="reaction__count">{r.users.length}</span>
            </button>
            {showing === r.emoji && (
              <span className="reaction__who" role="status" onClick={() => setShowing(null)}>{who}</span>
            )}
          </span>
        );
      })}
      <EmojiPopover label="Add reaction" className="reactions__add" placement="below" onPick={(emoji) => actions.react(message, emoji)}>
        <span aria-hidden="true">+</span>
      </EmojiPopover>
    </div>
  );
}
