import { memo, useMemo, useState, type MouseEvent } from "react";
import { messageCaption, type ChatMessage } from "../../protocol/index.js";
import { LinkPreviewCards } from "../files/LinkPreviewCards.js";
import { MessageAttachments } from "../files/MessageAttachments.js";
import { dateTime, dayLabel, fullTime, messageTime } from "../lib/time.js";
import { useNow } from "../lib/useNow.js";
import { RichText, useRichTextRenderer } from "../richtext/RichText.js";
import type { RichTextContext } from "../richtext/render.js";
import type { PendingMessage } from "../state/pending.js";
import { Avatar } from "./Avatar.js";
import { DeactivatedMark } from "./DeactivatedMark.js";
import { useOpenProfile } from "../profile/ProfileCardContext.js";
import { DeleteConfirm, EditedMark, InlineEditor, MessageToolbar, ReactionBar, type RowActions } from "./MessageActions.js";
import { MessageActionSheet } from "./MessageActionSheet.js";
import { isPhoneLayout } from "../layout.js";
import { useIsPinned } from "../pins/live.js";
import { PinIcon } from "./Icons.js";

/** Names of people, by id; changes only when a name does (not with presence). */
export interface People {
  /** What to show: the display name when they chose one, else the username. */
  nameOf(id: number): string;
  /** The sign-in name, which `@mentions` in message text use ("" when unknown). */
  usernameOf(id: number): string;
  /** Whether the account is deactivated: its author line shows so. */
  isDeactivated?(id: number): boolean;
}

interface RowProps {
  message: ChatMessage;
  name: string;
  mine: boolean;
  continued: boolean;
  myId: number;
  people: People;
  /** The message this one answers, when it is loaded (its current text beats the quote). */
  original?: ChatMessage;
  editing: boolean;
  canDelete: boolean;
  actions: RowActions;
  /** The row has been hovered or focused: its whole toolbar is made (see MessageToolbar). */
  toolbar: boolean;
}

/**
 * A message's time, relative to now ("5 min"): the only part of a row that changes with the clock,
 * so a tick re-renders these labels and not the rows.
 */
export function TimeLabel({ date, className }: { date: number; className?: string }) {
  const now = useNow();
  return <time className={className} dateTime={new Date(date * 1000).toISOString()} title={fullTime(date)}>{messageTime(date, now)}</time>;
}

/** A day separator's label ("Today", "Yesterday", a date), following the clock. */
export function DayLabel({ date }: { date: number }) {
  const now = useNow();
  return <span>{dayLabel(date, now)}</span>;
}

/** The class of a message's row (its <li>, drawn by the windowed list around MessageRow). */
export function messageRowClass(message: ChatMessage, mine: boolean, continued: boolean, myId: number): string {
  const mentionsMe = message.mentions?.includes(myId) ?? false;
  return `msg${mine ? " msg--mine" : ""}${continued ? " msg--continued" : ""}${mentionsMe ? " msg--mentions-me" : ""}`;
}

/**
 * One stored message, its text rendered as rich text (React elements, never HTML): the content of
 * its row (the <li> with messageRowClass is the list's, which measures it).
 */
export const MessageRow = memo(function MessageRow({
  message, name, mine, continued, myId, people, original, editing, canDelete, actions, toolbar,
}: RowProps) {
  const [confirming, setConfirming] = useState(false);
  const [sheetOpen, setSheetOpen] = useState(false);
  const context = useMemo<RichTextContext>(() => {
    const mentioned = new Map<string, "me" | "other">();
    for (const id of message.mentions ?? []) mentioned.set(people.usernameOf(id).toLowerCase(), id === myId ? "me" : "other");
    return { mention: (lower) => mentioned.get(lower) ?? null };
  }, [message.mentions, people, myId]);
  // A message with files shows its caption (the names and links appended for seed clients are not repeated).
  const caption = messageCaption(message);
  const openProfile = useOpenProfile();

  return (
    <>
      {/* First in the row, so Tab from a focused message reaches its actions first (it is drawn at the top right). */}
      {!editing && (
        <MessageToolbar message={message} canEdit={mine} canDelete={canDelete} actions={actions} onAskDelete={() => setConfirming(true)}
          onOpenSheet={() => setSheetOpen(true)} full={toolbar} />
      )}
      {sheetOpen && (
        <MessageActionSheet message={message} author={mine ? `${name} (you)` : name} canEdit={mine} canDelete={canDelete} actions={actions}
          onAskDelete={() => setConfirming(true)} onClose={() => setSheetOpen(false)} />
      )}
      <span className="msg__avatar">{!continued && (
        // The name beside it is the keyboard's and screen reader's way to the same card: this one is
        // for the mouse only (a label "Profile of Bob Stone" over the initials "BS" fails WCAG 2.5.3).
        <button type="button" className="name-button" tabIndex={-1} aria-hidden="true" onClick={() => openProfile(message.from)}>
          <Avatar name={name} id={message.from} size={34} />
        </button>
      )}</span>
      <div className="msg__body" onClick={(event) => { if (!editing && !confirming && isTapOnMessage(event)) setSheetOpen(true); }}>
        {!continued && (
          <div className="msg__meta">
            <button type="button" className="name-button msg__name" onClick={() => openProfile(message.from)}>{mine ? `${name} (you)` : name}</button>
            {!mine && people.isDeactivated?.(message.from) && <DeactivatedMark />}
            <TimeLabel date={message.date} />
            {message.edited !== undefined && <EditedMark edited={message.edited} />}
            <PinnedMark roomId={message.roomId} messageId={message.id} />
          </div>
        )}
        {message.replyTo && (
          <ReplyQuote id={message.replyTo} name={people.nameOf(original?.from ?? message.reply?.from ?? 0)}
            text={original?.message ?? message.reply?.message ?? ""} onJump={actions.jumpTo} />
        )}
        {editing ? (
          <InlineEditor message={message} actions={actions} />
        ) : (
          <>
            {caption !== "" && <RichText text={caption} context={context} className="msg__text" />}
            {continued && message.edited !== undefined && <EditedMark edited={message.edited} />}
          </>
        )}
        {message.attachments && message.attachments.length > 0 && (
          <MessageAttachments roomId={message.roomId} attachments={message.attachments} sentBy={`${name} · ${dateTime(message.date * 1000)}`} />
        )}
        {message.previews && message.previews.length > 0 && (
          <LinkPreviewCards roomId={message.roomId} messageId={message.id} previews={message.previews} mine={mine} />
        )}
        {message.reactions && message.reactions.length > 0 && (
          <ReactionBar message={message} reactions={message.reactions} myId={myId} nameOf={people.nameOf} actions={actions} />
        )}
        {confirming && <DeleteConfirm onConfirm={() => actions.remove(message)} onCancel={() => setConfirming(false)} />}
      </div>
      {continued && <PinnedMark roomId={message.roomId} messageId={message.id} />}
      {continued && <TimeLabel className="msg__hover-time" date={message.date} />}
    </>
  );
});

/** A small pin on a pinned message (beside its time; at the right of a row without a header), live. */
function PinnedMark({ roomId, messageId }: { roomId: string; messageId: string }) {
  if (!useIsPinned(roomId, messageId)) return null;
  return <span className="msg__pinned" role="img" aria-label="Pinned" title="Pinned"><PinIcon /></span>;
}

/**
 * A tap on a message's own words on a phone opens its actions (the action sheet), as chat apps do;
 * not one on something in it that does a thing of its own (a link, a button, an image, a code
 * block's copy, the editor), nor the end of selecting text.
 */
function isTapOnMessage(event: MouseEvent<HTMLElement>): boolean {
  if (!isPhoneLayout()) return false;
  const target = event.target as Element;
  if (target.closest("a, button, input, textarea, select, summary, label, img, video, audio, [role=button], [role=dialog], dialog")) return false;
  const selection = window.getSelection();
  return !selection || selection.isCollapsed;
}

/** The quote of the answered message: its author and the start of its text; a click goes to it. */
export function ReplyQuote({ id, name, text, onJump }: { id: string; name: string; text: string; onJump?: (id: string) => void }) {
  const renderer = useRichTextRenderer();
  const start = quoteText(text, renderer?.shortcodeEmoji);
  const body = <><span className="reply-quote__name">{name}</span> <span className="reply-quote__text">{start || "…"}</span></>;
  if (!onJump) return <div className="reply-quote">{body}</div>;
  return (
    <button type="button" className="reply-quote" onClick={() => onJump(id)} aria-label={`Reply to ${name}: ${start}. Show the original`}>
      {body}
    </button>
  );
}

/**
 * The start of a message as one line of plain words for a quote or a sidebar preview: Markdown marks
 * (strong, emphasis, strike, code, links, headings, list and quote marks) and fences dropped,
 * shortcodes shown as emoji when the table is loaded. `snake_case` and `2*3*4` stay as typed.
 */
export function quoteText(text: string, emoji?: (name: string) => string | undefined): string {
  let out = text.replace(/```[^\n]*\n?/g, "").replace(/^\s*>\s?/gm, "")
    .replace(/^\s*(?:#{1,6}|[-*+]|\d+[.)])\s+/gm, "")
    .replace(/!?\[([^\]\n]*)\]\([^)\s]*\)/g, "$1")
    .replace(/(\*\*|__|~~|`)/g, "")
    .replace(/(^|[^\w*])([*_])(?=\S)([^\n]*?\S)\2(?![\w*])/g, "$1$3");
  if (emoji) out = out.replace(/:([a-z0-9_+-]{1,40}):/gi, (whole, name: string) => emoji(name.toLowerCase()) ?? whole);
  return out.replace(/\s+/g, " ").trim();
}

/** The class of a pending message's row (see messageRowClass). */
export function pendingRowClass(pending: PendingMessage): string {
  return `msg msg--mine msg--pending${pending.status === "failed" ? " msg--failed" : ""}`;
}

/** The content of a message of this tab on its way (its <li> with pendingRowClass is the list's). */
export function PendingRow({ pending, name, myId, onRetry }: { pending: PendingMessage; name: string; myId: number; onRetry: (clientId: string) => void }) {
  const failed = pending.status === "failed";
  return (
    <>
      {/* Coloured by my id, as my sent messages are: waiting to be sent shows in the text, not the avatar. */}
      <span className="msg__avatar"><Avatar name={name} id={myId} size={34} /></span>
      <div className="msg__body">
        <div className="msg__meta">
          <span className="msg__name">{name} (you)</span>
          {failed ? (
            <span className="msg__state msg__state--failed" role="alert">
              Not sent{pending.error ? ` (${pending.error})` : ""}.{" "}
              <button type="button" className="link" onClick={() => onRetry(pending.clientId)}>Retry</button>
            </span>
          ) : (
            <span className="msg__state">
              {pending.waiting === "rate-limit" ? "Waiting for the rate limit; sends by itself…" : "Sending…"}
            </span>
          )}
        </div>
        {pending.text !== "" && <RichText text={pending.text} className="msg__text" />}
        {pending.attachments && pending.attachments.length > 0 && <MessageAttachments roomId={pending.roomId} attachments={pending.attachments} />}
      </div>
    </>
  );
}
