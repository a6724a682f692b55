import { useEffect, useState } from "react";
import { messageCaption, type ChatMessage } from "../../protocol/index.js";
import { Dialog } from "../components/Dialog.js";
import { FileChips } from "../files/FileChips.js";
import { RichText } from "../richtext/RichText.js";
import { listTime } from "../lib/time.js";
import type { PeopleNames } from "../lib/peopleNames.js";
import { SenderName } from "./SenderName.js";

export interface ListedMessage {
  roomId: string;
  message: ChatMessage;
}

/** Formatted as in the timeline, but nothing interactive: each item is one button. */
const COMPACT = { mention: () => null, compact: true };

/**
 * A dialog listing messages (a room's pins, one's saved messages): each opens in its room, and
 * one action (Unpin, Remove) takes it off the list.
 */
export function MessageListDialog({ title, empty, load, reloadKey, remove, removeLabel, onOpen, onClose, names, roomTitle, now }: {
  title: string;
  empty: string;
  load: () => Promise<ListedMessage[]>;
  /** Loads the list again when it changes (a live change elsewhere); the old list shows meanwhile. */
  reloadKey?: unknown;
  remove?: (item: ListedMessage) => Promise<unknown>;
  removeLabel: string;
  onOpen: (roomId: string, messageId: string) => void;
  onClose: () => void;
  /** Senders' names: those this tab does not know are fetched together once the list is in. */
  names: PeopleNames;
  roomTitle?: (roomId: string) => string;
  now: number;
}) {
  const [items, setItems] = useState<ListedMessage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stale = false;
    load().then((loaded) => { if (!stale) setItems(loaded); }, (e: unknown) => { if (!stale) setError(e instanceof Error ? e.message : "Could not load"); });
    return () => {
      stale = true;
    };
  }, [load, reloadKey]);
  const { load: loadNames } = names;
  useEffect(() => {
    if (items) loadNames(items.map((item) => item.message.from));
  }, [items, loadNames]);
  return (
    <Dialog title={title} onClose={onClose} wide>
      {error ? <p className="error" role="alert">{error}</p>
        : items === null ? <p className="muted" role="status">Loading…</p>
        : items.length === 0 ? <p className="muted">{empty}</p>
        : (
          <ul className="search__results" aria-label={title}>
            {items.map((item) => (
              <li key={`${item.roomId}/${item.message.id}`} className="search__result listed">
                <button type="button" className="listed__open" onClick={() => onOpen(item.roomId, item.message.id)}>
                  <span className="search__meta">
                    <SenderName name={names.nameOf(item.message.from)} />
                    {roomTitle && <span className="muted small">in {roomTitle(item.roomId)}</span>}
                    <span className="muted small">{listTime(item.message.date, now)}</span>
                  </span>
                  {messageCaption(item.message) !== "" && <RichText className="search__text" text={messageCaption(item.message)} context={COMPACT} />}
                  <FileChips attachments={item.message.attachments} />
                </button>
                {remove && (
                  <button type="button" className="ghost ghost--small" onClick={() => {
                    remove(item).then(() => setItems((list) => list?.filter((i) => i !== item) ?? null),
                      (e: unknown) => setError(e instanceof Error ? e.message : "Not changed"));
                  }}>{removeLabel}</button>
                )}
              </li>
            ))}
          </ul>
        )}
    </Dialog>
  );
}
