import { Suspense, lazy, useEffect, useRef, useState, type ReactNode } from "react";
import { messageCaption, type ChatMessage } from "../../protocol/index.js";
import { copyText } from "../lib/copyText.js";
import { permalink } from "../lib/route.js";
import { useModalDialog } from "../lib/useModalDialog.js";
import { BookmarkIcon, LinkIcon, PinIcon, TrashIcon } from "./Icons.js";
import { QUICK, type RowActions } from "./MessageActions.js";
import { quoteText } from "./MessageRow.js";

const EmojiPickerPanel = lazy(() => import("../richtext/EmojiPickerPanel.js"));

/** How much of the message the sheet's name quotes (the sheet shows two lines of it). */
const LABEL_CHARS = 100;
/** How long a done action ("Saved", "Link copied") shows before the sheet closes by itself. */
const DONE_MS = 700;

/**
 * A message's actions on a phone: a sheet at the bottom of the screen (a modal `<dialog>`: focus
 * kept inside and given back to the message, Escape or a tap beside it closes it) that names the
 * message it acts on and lists every action with its words, so nothing covers the conversation's
 * names, times and avatars as the desktop's toolbar would on a narrow screen.
 */
export function MessageActionSheet({ message, author, canEdit, canDelete, actions, onAskDelete, onClose }: {
  message: ChatMessage; author: string; canEdit: boolean; canDelete: boolean; actions: RowActions;
  onAskDelete: () => void; onClose: () => void;
}) {
  const { ref, close, onBackdropClick } = useModalDialog(onClose);
  const [picking, setPicking] = useState(false);
  const [done, setDone] = useState<{ label: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const closing = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(closing.current), []);

  // Each action closes the sheet: what it did shows in the conversation (a reaction, the reply
  // quote, the editor); the ones that show nothing there say they are done first. It runs once the
  // sheet is gone: the page behind is inert until then, so the composer or editor could not take focus.
  const then = (run: () => void) => () => {
    close();
    setTimeout(run, 0);
  };
  const confirmThenClose = (label: string, run: () => Promise<unknown>) => () => {
    setError(null);
    run().then(() => {
      setDone({ label });
      closing.current = setTimeout(close, DONE_MS);
    }, (e: unknown) => setError(e instanceof Error ? e.message : "Not done"));
  };
  const text = quoteText(messageCaption(message)) || (message.attachments?.length ? message.attachments.map((a) => a.name).join(", ") : "");

  return (
    <dialog ref={ref} className="sheet" aria-label={`Actions for the message of ${author}: ${text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS)}…` : text}`}
      onClick={onBackdropClick}>
      <div className="sheet__frame">
        <p className="sheet__title"><strong>{author}</strong> <span className="sheet__quote">{text}</span></p>
        {picking ? (
          <div className="sheet__picker">
            <Suspense fallback={<p className="emoji-picker__note">Loading…</p>}>
              <EmojiPickerPanel label="Add reaction" onPick={(emoji) => then(() => actions.react(message, emoji))()} />
            </Suspense>
          </div>
        ) : (
          <>
            <div className="sheet__reactions" role="group" aria-label="React">
              {QUICK.map((emoji, i) => (
                <button key={emoji} type="button" className="sheet__reaction" aria-label={`React with ${emoji}`}
                  data-autofocus={i === 0 ? "" : undefined} onClick={then(() => actions.react(message, emoji))}>{emoji}</button>
              ))}
              <button type="button" className="sheet__reaction" aria-label="Add reaction" onClick={() => setPicking(true)}>
                <span aria-hidden="true">☺︎+</span>
              </button>
            </div>
            <ul className="sheet__actions">
              <SheetAction icon="↩" label="Reply" onClick={then(() => actions.reply(message))} />
              <SheetAction icon={<LinkIcon />} label={done?.label === "Link copied" ? "Link copied" : "Copy link"}
                onClick={confirmThenClose("Link copied", () => copyText(permalink(message.roomId, message.id)))} />
              {actions.save && (
                <SheetAction icon={<BookmarkIcon />} label={done?.label === "Saved" ? "Saved" : "Save for later"}
                  onClick={confirmThenClose("Saved", () => actions.save!(message))} />
              )}
              {actions.pin && (
                <SheetAction icon={<PinIcon />} label={done?.label === "Pinned" ? "Pinned" : "Pin to the room"}
                  onClick={confirmThenClose("Pinned", () => actions.pin!(message))} />
              )}
              {canEdit && <SheetAction icon="✎" label="Edit" onClick={then(() => actions.startEdit(message.id))} />}
              {canDelete && <SheetAction icon={<TrashIcon />} label="Delete" danger onClick={then(onAskDelete)} />}
            </ul>
          </>
        )}
        {error && <p className="error small sheet__error" role="alert">{error}</p>}
        <p className="visually-hidden" role="status">{done ? done.label : ""}</p>
        <button type="button" className="sheet__cancel" onClick={close}>Cancel</button>
      </div>
    </dialog>
  );
}

function SheetAction({ icon, label, onClick, danger }: { icon: ReactNode; label: string; onClick: () => void; danger?: boolean }) {
  return (
    <li>
      <button type="button" className={`sheet__action${danger ? " sheet__action--danger" : ""}`} onClick={onClick}>
        <span className="sheet__icon" aria-hidden="true">{icon}</span>
        <span>{label}</span>
      </button>
    </li>
  );
}
