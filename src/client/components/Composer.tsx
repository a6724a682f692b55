import { useEffect, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent, type MutableRefObject } from "react";
import { isBlankMessage, type Attachment } from "../../protocol/index.js";
import { composerStatus, composerStatusText } from "../state/composer.js";
import { AttachButton } from "../files/AttachButton.js";
import { AttachmentTray } from "../files/AttachmentTray.js";
import { trayStatus } from "../files/uploads.js";
import type { RoomFiles } from "../files/useUploads.js";
import { EmojiPopover } from "../richtext/EmojiPopover.js";
import { completeMention, mentionQueryAt, mentionSuggestions, type MentionCandidate } from "../richtext/mentions.js";
import { ReplyQuote } from "./MessageRow.js";
import { loadDraft, saveDraft } from "../lib/drafts.js";

/** The message being answered, shown above the box until sent or cancelled. */
export interface ReplyTarget {
  id: string;
  name: string;
  text: string;
}

/** How many names the @ autocomplete offers. */
const MAX_SUGGESTIONS = 6;

/** Unsent text per room when no account is given (the app always gives one: see lib/drafts.ts). */
const memoryDrafts = new Map<string, string>();

interface Props {
  roomId: string;
  roomTitle: string;
  autoFocus: boolean;
  /** `attachments`: the uploaded files the message carries (then `text` may be ""). */
  onSend: (text: string, attachments?: Attachment[]) => void;
  onEscape: () => void;
  // Message actions (all optional): reply, mentions, Up-arrow edit, typing, the emoji picker.
  replyTo?: ReplyTarget | null;
  onCancelReply?: () => void;
  /** People who may be mentioned here (the @ autocomplete). */
  members?: readonly MentionCandidate[];
  /**
   * More people for the @ autocomplete by what was typed (the people directory: those who never
   * posted); "" for a bare `@` (the directory's first page, online first).
   */
  findPeople?: (query: string) => Promise<MentionCandidate[]>;
  myId?: number;
  /** Up-arrow in an empty box: edit my last message; true when there was one. */
  onEditLast?: () => boolean;
  /** Called as the person types (throttled by the caller). */
  onTyping?: () => void;
  /** The textarea, for whoever needs to focus it (reply). */
  boxRef?: MutableRefObject<HTMLTextAreaElement | null>;
  /** Files for the message (files/): the paperclip, pasting images, the tray of chosen files. */
  files?: RoomFiles;
}

/**
 * Enter sends, Shift+Enter starts a new line. Grows with its text up to a few lines. Near the
 * length limit it shows what is left; past it (a long paste) the text stays and sending waits.
 */
export function Composer({
  roomId, roomTitle, autoFocus, onSend, onEscape, replyTo, onCancelReply, members = [], findPeople, myId, onEditLast, onTyping, boxRef, files,
}: Props) {
  // Kept per account in localStorage: nothing typed is lost to a reload or a session that ends.
  const [text, setTextState] = useState(() => (myId !== undefined ? loadDraft(myId, roomId) : memoryDrafts.get(roomId) ?? ""));
  const setText = (value: string) => {
    if (myId !== undefined) saveDraft(myId, roomId, value, roomTitle);
    else if (value) memoryDrafts.set(roomId, value);
    else memoryDrafts.delete(roomId);
    setTextState(value);
  };
  const box = useRef<HTMLTextAreaElement>(null);
  const [mention, setMention] = useState<{ start: number; query: string; index: number } | null>(null);
  // The directory's people for the typed query (debounced), beside those this tab knows; query null: none asked yet.
  const [found, setFound] = useState<{ query: string | null; people: MentionCandidate[] }>({ query: null, people: [] });
  // Another room (the view is kept across rooms): its own draft, no suggestions from the last one.
  const [draftRoomId, setDraftRoomId] = useState(roomId);
  if (draftRoomId !== roomId) {
    setDraftRoomId(roomId);
    setTextState(myId !== undefined ? loadDraft(myId, roomId) : memoryDrafts.get(roomId) ?? "");
    setMention(null);
    setFound({ query: null, people: [] });
  }
  // A bare `@` asks too: the people this tab has seen are not all of those who may be mentioned.
  const query = mention ? mention.query : null;
  useEffect(() => {
    if (!findPeople || query === null) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      findPeople(query).then((people) => !cancelled && setFound({ query, people }), () => {});
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [findPeople, query]);
  const suggestions = mention
    ? mentionSuggestions(members, found.query !== null && mention.query.toLowerCase().startsWith(found.query.toLowerCase()) ? found.people : [], mention.query, myId, MAX_SUGGESTIONS)
    : [];
  const listId = `mentions-${roomId}`;

  useEffect(() => {
    if (boxRef) boxRef.current = box.current;
  });

  /** Looks at what is just before the caret: an `@partial` opens the autocomplete. */
  const findMention = (value: string, caret: number) => {
    const found = mentionQueryAt(value, caret);
    setMention((before) => found ? { ...found, index: before && before.start === found.start ? before.index : 0 } : null);
  };

  const pickMention = (name: string) => {
    const el = box.current;
    if (!el || !mention) return;
    const done = completeMention(text, mention.start, el.selectionStart, name);
    setText(done.text);
    setMention(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(done.caret, done.caret);
    });
  };

  const insertEmoji = (emoji: string) => {
    const el = box.current;
    const at = el ? el.selectionStart : text.length;
    const end = el ? el.selectionEnd : text.length;
    const next = text.slice(0, at) + emoji + text.slice(end);
    setText(next);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + emoji.length, at + emoji.length);
    });
  };

  // The box is always in view: not scrolled to, which would lay the page out at once, in the task
  // of a room switch (issue 19), rather than in the frame after it.
  useEffect(() => {
    if (autoFocus) box.current?.focus({ preventScroll: true });
  }, [autoFocus, roomId]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    // Empty, the box is one line: its scrollHeight would follow the placeholder, which wraps in a
    // narrow box ("Message <a long room name>" made it five lines on a phone).
    if (text === "") return;
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);

  // The protocol's rules: text is never cut; over the limit it stays, and Send says why it is off.
  // With files, the text is their caption and may be left empty.
  const textStatus = composerStatus(text);
  const withFiles = files !== undefined && files.uploads.length > 0;
  const caption = withFiles && isBlankMessage(text) ? "" : text;
  const tray = withFiles ? trayStatus(files.uploads, caption !== "") : null;
  const status = !tray ? textStatus
    : !tray.canSend ? { ...textStatus, canSend: false, visible: true, reason: tray.reason ?? textStatus.reason }
    : caption === "" ? { ...textStatus, canSend: true, visible: false, reason: undefined }
    : textStatus;
  const statusId = `composer-status-${roomId}`;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!status.canSend) return;
    if (tray) {
      onSend(caption, tray.attachments);
      files!.sent();
    } else onSend(text);
    setText("");
    box.current?.focus();
  };

  // A pasted image (a screenshot) is attached; pasted text stays text.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    if (!files) return;
    const pasted = Array.from(event.clipboardData.files);
    if (pasted.length === 0 || event.clipboardData.types.includes("text/plain")) return;
    event.preventDefault();
    files.add(pasted);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (mention && suggestions.length > 0) {
      const count = suggestions.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setMention({ ...mention, index: (mention.index + step + count) % count });
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && !event.nativeEvent.isComposing) {
        event.preventDefault();
        pickMention(suggestions[Math.min(mention.index, count - 1)]!.username);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setMention(null);
        return;
      }
    }
    if (event.key === "ArrowUp" && !text && onEditLast && !event.altKey) {
      if (onEditLast()) event.preventDefault();
      return;
    }
    if (event.key === "Escape" && replyTo && onCancelReply) {
      onCancelReply();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape") {
      onEscape();
    }
  };

  const active = mention && suggestions.length > 0 ? suggestions[Math.min(mention.index, suggestions.length - 1)] : undefined;
  return (
    <form className="composer" onSubmit={submit}>
      {replyTo && (
        <div className="composer__reply">
          <span className="muted small">Replying to</span>
          <ReplyQuote id={replyTo.id} name={replyTo.name} text={replyTo.text} />
          <button type="button" className="icon-button" aria-label="Cancel reply" title="Cancel reply" onClick={onCancelReply}>✕</button>
        </div>
      )}
      {mention && suggestions.length > 0 && (
        <ul className="mention-list" id={listId} role="listbox" aria-label="People to mention">
          {suggestions.map((m) => (
            <li key={m.id} id={`${listId}-${m.id}`} role="option" aria-selected={m === active}
              className={`mention-list__item${m === active ? " mention-list__item--active" : ""}`}
              onMouseDown={(e) => { e.preventDefault(); pickMention(m.username); }}>
              {m.displayName
                ? <>{m.displayName} <span className="mention-list__username">@{m.username}</span></>
                : <>@{m.username}</>}
            </li>
          ))}
        </ul>
      )}
      {files && <AttachmentTray files={files} />}
      {files && <AttachButton onFiles={files.add} />}
      <EmojiPopover label="Add emoji" className="composer__emoji" onPick={insertEmoji}>
        <span aria-hidden="true">☺︎</span>
      </EmojiPopover>
      <div className="composer__field">
        <textarea ref={box} id="composer" aria-keyshortcuts="Alt+Shift+M" aria-label="Message" placeholder={`Message ${roomTitle}`} rows={1}
          aria-invalid={status.remaining < 0 || undefined} aria-describedby={status.visible ? statusId : undefined}
          value={text}
          aria-autocomplete="list" aria-controls={active ? listId : undefined}
          aria-activedescendant={active ? `${listId}-${active.id}` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            findMention(e.target.value, e.target.selectionStart);
            if (e.target.value.trim()) onTyping?.();
          }}
          onSelect={(e) => findMention(e.currentTarget.value, e.currentTarget.selectionStart)}
          onBlur={() => setMention(null)}
          onKeyDown={onKeyDown} onPaste={onPaste} />
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
