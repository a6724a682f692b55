import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { GENERAL_ROOM_ID } from "../../protocol/index.js";
import { dayLabel } from "../lib/time.js";
import type { ChatState } from "../state/chat.js";
import { pendingForRoom } from "../state/pending.js";
import type { RoomState } from "../state/rooms.js";
import { buildTimeline } from "../state/timeline.js";
import { MessageRow, PendingRow } from "./MessageRow.js";
import { userName } from "./names.js";

const LOAD_OLDER_AT_PX = 150;

interface Props {
  room: RoomState;
  state: ChatState;
  now: number;
  onLoadOlder: () => void;
  onRetry: (clientId: string) => void;
}

export function MessageList({ room, state, now, onLoadOlder, onRetry }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const firstId = useRef<string | null>(null);
  const lastKey = useRef<string | null>(null);
  const placed = useRef(false);
  const [unseenBelow, setUnseenBelow] = useState(false);

  const items = useMemo(() => buildTimeline({
    messages: room.messages,
    notices: room.id === GENERAL_ROOM_ID ? state.notices : [],
    pending: pendingForRoom(state.pending, room.id),
    dividerAfterId: room.dividerAfterId,
    myId: state.me.id,
  }), [room.messages, room.id, room.dividerAfterId, state.notices, state.pending, state.me.id]);

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
      <div className="messages" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Conversation history">
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
        <ol className="timeline" role="log" aria-live="polite" aria-relevant="additions">
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
                    mine={item.message.from === state.me.id} name={userName(state, item.message.from)} />
                );
              case "pending":
                return <PendingRow key={item.key} pending={item.pending} name={state.me.username} onRetry={onRetry} />;
            }
          })}
        </ol>
      </div>
    </div>
  );
}
