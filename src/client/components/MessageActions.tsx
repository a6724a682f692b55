import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import type { ChatMessage, Reaction } from "../../protocol/index.js";
import { MAX_MESSAGE_LENGTH, messageCaption } from "../../protocol/index.js";
import { fullTime } from "../lib/time.js";
import { copyText } from "../lib/copyText.js";
import { permalink } from "../lib/route.js";
import { useKeepInView } from "../lib/useKeepInView.js";
import { BookmarkIcon, LinkIcon, PinIcon, TrashIcon } from "./Icons.js";
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
  /** Saves the message for later (one's saved list). */
  save?(message: ChatMessage): Promise<unknown>;
  /** Pins the message to the room (only for those who manage the room's pins). */
  pin?(message: ChatMessage): Promise<unknown>;
}

/** Quick reactions offered before the full picker. */
export const QUICK = ["👍", "❤️", "😂", "🎉"];

/**
 * The hover/focus toolbar of a message: react, reply, and for its author edit and delete. On a
 * phone it is one button (styles.css) that opens the action sheet (MessageActionSheet), so the
 * actions never cover the message.
 */
export function MessageToolbar({ message, canEdit, canDelete, actions, onAskDelete, onOpenSheet, full }: {
  message: ChatMessage; canEdit: boolean; canDelete: boolean; actions: RowActions; onAskDelete: () => void; onOpenSheet: () => void;
  /**
   * The whole toolbar; false: only "Message actions" (all a phone shows). The rest is hidden until
   * the row is hovered or focused, and made only then (see Item in MessageList): two thirds of a
   * row's elements, drawn for every row a room switch shows (issue 19).
   */
  full: boolean;
}) {
  return (
    <div className="msg__toolbar" role="toolbar" aria-label="Message actions">
      <button type="button" className="icon-button msg__more" aria-label="Message actions" aria-haspopup="dialog" title="Message actions"
        onClick={onOpenSheet}>
        <span aria-hidden="true">⋯</span>
      </button>
      {full && <>
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
      <CopyLinkButton message={message} />
      {actions.save && (
        <DoneButton label="Save for later" doneLabel="Saved" icon={<BookmarkIcon />} run={() => actions.save!(message)} />
      )}
      {actions.pin && <DoneButton label="Pin to the room" doneLabel="Pinned" icon={<PinIcon />} run={() => actions.pin!(message)} />}
      {canEdit && (
        <button type="button" className="icon-button" aria-label="Edit" title="Edit" onClick={() => actions.startEdit(message.id)}>
          <span aria-hidden="true">✎</span>
        </button>
      )}
      {canDelete && (
        <button type="button" className="icon-button" aria-label="Delete" title="Delete" onClick={onAskDelete}>
          <TrashIcon />
        </button>
      )}
      </>}
    </div>
  );
}

/** A toolbar action that says it is done for a moment (or why not, in its title). */
function DoneButton({ label, doneLabel, icon, run }: { label: string; doneLabel: string; icon: ReactNode; run: () => Promise<unknown> }) {
  const [state, setState] = useState<{ done: boolean; error?: string }>({ done: false });
  useEffect(() => {
    if (!state.done) return;
    const timer = setTimeout(() => setState({ done: false }), 1500);
    return () => clearTimeout(timer);
  }, [state.done]);
  const shown = state.done ? doneLabel : state.error ?? label;
  return (
    <button type="button" className="icon-button" aria-label={shown} title={shown}
      onClick={() => void run().then(() => setState({ done: true }), (e: unknown) => setState({ done: false, error: e instanceof Error ? e.message : "Not done" }))}>
      {state.done ? <span aria-hidden="true">✓</span> : icon}
    </button>
  );
}

/** Copies the message's permalink; says "Copied" for a moment. */
function CopyLinkButton({ message }: { message: ChatMessage }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  const [failed, setFailed] = useState<string | null>(null);
  const label = copied ? "Link copied" : failed ?? "Copy link";
  return (
    <button type="button" className="icon-button" aria-label={label} title={label}
      onClick={() => void copyText(permalink(message.roomId, message.id)).then(() => { setFailed(null); setCopied(true); },
        (e: unknown) => setFailed(e instanceof Error ? e.message : "Could not copy"))}>
      {copied ? <span aria-hidden="true">✓</span> : <LinkIcon />}
    </button>
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
/**
 * The message whose editing was just asked for (an Edit button, Up in the composer): its editor,
 * once mounted, takes the focus and is scrolled wholly into view. The windowed list also mounts an
 * editor again when its row is drawn again as the reader scrolls back to it; that mount does
 * neither, or the list would jump to it while scrolling.
 */
let editAskedFor: string | null = null;
export function askToEdit(id: string): void {
  editAskedFor = id;
}

export function InlineEditor({ message, actions }: { message: ChatMessage; actions: RowActions }) {
  // A message with files is edited as its caption (the server appends the files' lines again).
  const [text, setText] = useState(() => messageCaption(message));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const editor = useRef<HTMLDivElement>(null);
  const [asked] = useState(() => editAskedFor === message.id);
  useKeepInView(editor, asked);
  useEffect(() => {
    const el = box.current;
    if (!el || !asked) return;
    if (editAskedFor === message.id) editAskedFor = null;
    // Not scrolled by the focus: useKeepInView shows the whole editor, its buttons too.
    el.focus({ preventScroll: true });
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
    <div className="msg__editor" ref={editor}>
      <textarea ref={box} aria-label="Edit text" value={text} maxLength={MAX_MESSAGE_LENGTH}
        onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} />
      <div className="msg__editor-bar">
        {/* Keys a phone has not: hidden there (styles.css, .keys-hint); its buttons say the same. */}
        <span className="muted small keys-hint">Enter to save, Escape to cancel</span>
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
