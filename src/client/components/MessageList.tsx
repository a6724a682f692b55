import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { dayLabel } from "../lib/time.js";
import type { ChatState } from "../state/chat.js";
import { pendingForRoom } from "../state/pending.js";
import type { RoomState } from "../state/rooms.js";
import { buildTimeline } from "../state/timeline.js";
import type { RowActions } from "./MessageActions.js";
import { MessageRow, PendingRow, type People } from "./MessageRow.js";
import { userName } from "./names.js";

const LOAD_OLDER_AT_PX = 150;

interface Props {
  room: RoomState;
  state: ChatState;
  now: number;
  onLoadOlder: () => void;
  onRetry: (clientId: string) => void;
  /** Message actions (reply, edit, delete, react); `jumpTo` is handled here. */
  actions: Omit<RowActions, "jumpTo">;
  people: People;
  editingId: string | null;
  /** Administrators may delete anyone's message. */
  canDeleteAny: boolean;
  /** Scroll to this message and flash it (a permalink or a search result); `n` tells repeated requests apart. */
  jumpRequest?: { messageId: string; n: number };
}

/** How many older pages to fetch at most when looking for the original of a reply. */
const MAX_SEEK_PAGES = 20;

export function MessageList({ room, state, now, onLoadOlder, onRetry, actions, people, editingId, canDeleteAny, jumpRequest }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const firstId = useRef<string | null>(null);
  const lastKey = useRef<string | null>(null);
  const placed = useRef(false);
  const [unseenBelow, setUnseenBelow] = useState(false);
  // Going to the original of a reply: the id sought, and how many older pages it took so far.
  const [seeking, setSeeking] = useState<{ id: string; pages: number } | null>(null);
  const [seekFailed, setSeekFailed] = useState(false);
  const byId = useMemo(() => new Map(room.messages.map((m) => [m.id, m])), [room.messages]);
  const rowActions = useMemo<RowActions>(() => ({
    ...actions,
    jumpTo: (id: string) => {
      setSeekFailed(false);
      setSeeking({ id, pages: 0 });
    },
  }), [actions]);

  useEffect(() => {
    if (!jumpRequest) return;
    setSeekFailed(false);
    setSeeking({ id: jumpRequest.messageId, pages: 0 });
  }, [jumpRequest?.messageId, jumpRequest?.n]);

  const items = useMemo(() => buildTimeline({
    messages: room.messages,
    pending: pendingForRoom(state.pending, room.id),
    dividerAfterId: room.dividerAfterId,
    myId: state.me.id,
  }), [room.messages, room.id, room.dividerAfterId, state.pending, state.me.id]);

  const canLoadOlder = room.loaded && room.hasOlder && !room.loadingOlder && !room.historyError;
  const loadOlder = () => {
    const el = scroller.current;
    if (el) anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    onLoadOlder();
  };

  // Keep the view where the reader expects it: older pages do not move what is on screen,
  // new messages follow the bottom when the reader is there, and my own sends always do.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const first = room.messages[0]?.id ?? null;
    const last = items[items.length - 1];
    if (!placed.current && room.loaded) {
      placed.current = true;
      const divider = el.querySelector<HTMLElement>(".divider");
      if (divider) el.scrollTop = Math.max(0, divider.offsetTop - el.clientHeight / 3);
      else el.scrollTop = el.scrollHeight;
      // Placed at the top (everything loaded is unread): no scroll event will come, so fetch the page above now.
      if (el.scrollTop < LOAD_OLDER_AT_PX && canLoadOlder) loadOlder();
    } else if (anchor.current && first !== firstId.current) {
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (atBottom.current || (last?.kind === "pending" && last.key !== lastKey.current)) {
      el.scrollTop = el.scrollHeight;
    } else if (last?.kind === "message" && last.key !== lastKey.current && lastKey.current !== null) {
      setUnseenBelow(true);
    }
    firstId.current = first;
    lastKey.current = last?.key ?? null;
  }, [items, room.loaded, room.messages]);

  // The list gets shorter when the composer grows (a reply quote, more lines): a reader at the
  // bottom stays there.
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // The original of a reply: scroll to it and flash it, loading older pages until it is there.
  useEffect(() => {
    const el = scroller.current;
    // The first page first: until it is in, a message sought cannot be told missing.
    if (!seeking || !el || !room.loaded) return;
    const row = el.querySelector<HTMLElement>(`li[data-id="${CSS.escape(seeking.id)}"]`);
    if (row) {
      row.scrollIntoView({ block: "center" });
      // Where the reader is now, at once: before the scroll event arrives, a re-render or a resize
      // would otherwise still see "at the bottom" and pull the view away from the message.
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
      row.classList.remove("msg--flash");
      void row.offsetWidth;
      row.classList.add("msg--flash");
      row.focus({ preventScroll: true });
      setSeeking(null);
    } else if (room.hasOlder && seeking.pages < MAX_SEEK_PAGES) {
      if (canLoadOlder) {
        loadOlder();
        setSeeking({ ...seeking, pages: seeking.pages + 1 });
      }
    } else {
      setSeeking(null);
      setSeekFailed(true);
    }
  });

  // A first page shorter than the screen cannot be scrolled: fetch more until it can.
  useEffect(() => {
    const el = scroller.current;
    if (el && canLoadOlder && el.scrollHeight <= el.clientHeight + 8) loadOlder();
  });

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
    if (atBottom.current) setUnseenBelow(false);
    if (el.scrollTop < LOAD_OLDER_AT_PX && canLoadOlder) loadOlder();
  };

  // Keyboard: Up/Down move between messages (each shows its actions when focused); Page keys still scroll.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    const target = event.target as HTMLElement;
    const el = scroller.current;
    if (!el || (target !== el && !target.matches("li.msg"))) return;
    const rows = [...el.querySelectorAll<HTMLElement>("li.msg[data-id]")];
    if (rows.length === 0) return;
    const at = rows.indexOf(target);
    const next = at < 0 ? rows[rows.length - 1] : rows[at + (event.key === "ArrowUp" ? -1 : 1)];
    if (!next) return;
    event.preventDefault();
    next.focus();
  };

  const jumpToLatest = () => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setUnseenBelow(false);
  };

  return (
    <div className="messages-wrap">
      {unseenBelow && (
        <button type="button" className="jump primary" onClick={jumpToLatest}>New messages below</button>
      )}
      {seekFailed && (
        <p className="seek-failed" role="status">
          The original message is no longer there.{" "}
          <button type="button" className="link" onClick={() => setSeekFailed(false)}>OK</button>
        </p>
      )}
      <div className="messages" ref={scroller} onScroll={onScroll} onKeyDown={onKeyDown} tabIndex={0}
        aria-label="Conversation history" aria-description="Up and down arrows move between messages">
        <div className="messages__top">
          {!room.loaded && !room.historyError ? (
            <p className="muted" role="status">Loading messages…</p>
          ) : room.historyError ? (
            <p className="error" role="alert">
              Could not load messages: {room.historyError}{" "}
              <button type="button" className="link" onClick={loadOlder}>Try again</button>
            </p>
          ) : room.loadingOlder ? (
            <p className="muted" role="status">Loading older messages…</p>
          ) : room.hasOlder ? (
            <button type="button" className="link" onClick={loadOlder}>Load older messages</button>
          ) : room.messages.length > 0 ? (
            <p className="muted small">This is the beginning of the conversation.</p>
          ) : null}
        </div>
        {room.loaded && items.length === 0 && (
          <div className="empty">
            <p className="empty__title">No messages yet</p>
            <p className="muted">Say hello! Press Enter to send, Shift+Enter for a new line.</p>
          </div>
        )}
        {/* The log is the wrapper: role="log" on the <ol> itself would leave its <li> items (days, messages) outside any list. */}
        <div role="log" aria-live="polite" aria-relevant="additions">
        <ol className="timeline">
          {items.map((item) => {
            switch (item.kind) {
              case "day":
                return <li key={item.key} className="day"><span>{dayLabel(item.date, now)}</span></li>;
              case "divider":
                return <li key={item.key} className="divider"><span>New messages</span></li>;
              case "notice":
                return <li key={item.key} className="notice">{item.notice.text}</li>;
              case "message":
                return (
                  <MessageRow key={item.key} message={item.message} continued={item.continued} now={now}
                    mine={item.message.from === state.me.id} name={userName(state, item.message.from)}
                    myId={state.me.id} people={people} editing={editingId === item.message.id}
                    original={item.message.replyTo ? byId.get(item.message.replyTo) : undefined}
                    canDelete={canDeleteAny || item.message.from === state.me.id} actions={rowActions} />
                );
              case "pending":
                return <PendingRow key={item.key} pending={item.pending} name={userName(state, state.me.id)} myId={state.me.id} onRetry={onRetry} />;
            }
          })}
        </ol>
        </div>
      </div>
    </div>
  );
}
