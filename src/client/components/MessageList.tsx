import { forwardRef, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type HTMLAttributes, type KeyboardEvent } from "react";
import { Virtuoso, type Components, type ItemProps, type VirtuosoHandle } from "react-virtuoso";
import type { ChatState } from "../state/chat.js";
import { pendingForRoom } from "../state/pending.js";
import type { RoomState } from "../state/rooms.js";
import { buildTimeline, type TimelineItem } from "../state/timeline.js";
import type { RowActions } from "./MessageActions.js";
import { DayLabel, MessageRow, PendingRow, messageRowClass, pendingRowClass, type People } from "./MessageRow.js";
import { userName } from "./names.js";

interface Props {
  room: RoomState;
  state: ChatState;
  onLoadOlder: () => void;
  /** A window of older history (room.hasNewer): fetch the next newer page. */
  onLoadNewer: () => void;
  /** History around a message not loaded yet; false: the room has no such message. */
  onLoadAround: (messageId: string) => Promise<boolean>;
  /** Leave a window of older history for the newest messages (reloads the room's first page). */
  onGoToPresent: () => void;
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

/**
 * Virtuoso's index of the first item: it goes down by the number of items put before the first
 * one (an older page), which is how the list keeps what is on screen in place. Room for 10^9 items.
 */
const FIRST_INDEX = 1_000_000_000;
/** Older history is fetched this far from the top, before it is in sight. */
const NEAR_TOP_PX = 600;
/** How long a message jumped to stays highlighted (the CSS animation takes 1.6 s). */
const FLASH_MS = 2_000;

/** What every row needs besides its item (Virtuoso's `context`: rows re-render when it changes). */
interface ListContext {
  state: ChatState;
  room: RoomState;
  byId: Map<string, import("../../protocol/index.js").ChatMessage>;
  people: People;
  editingId: string | null;
  canDeleteAny: boolean;
  actions: RowActions;
  onRetry: (clientId: string) => void;
  flash: { id: string; n: number } | null;
  focusOnDraw: { current: string | null };
  onKeyDown: (event: KeyboardEvent<HTMLDivElement>) => void;
  loadOlder: () => void;
}

export function MessageList(props: Props) {
  const { room, state, onLoadOlder, onLoadNewer, onLoadAround, onGoToPresent, onRetry, actions, people, editingId, canDeleteAny, jumpRequest } = props;
  const virtuoso = useRef<VirtuosoHandle>(null);
  const scroller = useRef<HTMLElement | null>(null);
  const atBottom = useRef(true);
  const [unseenBelow, setUnseenBelow] = useState(false);
  const [showPresent, setShowPresent] = useState(false);
  // Going to a message: the id sought, and whether its history was fetched already.
  const [seeking, setSeeking] = useState<{ id: string; fetched: boolean } | null>(null);
  const [seekFailed, setSeekFailed] = useState(false);
  const [flash, setFlash] = useState<{ id: string; n: number } | null>(null);
  /** A message jumped to: its row takes the focus when it is drawn. */
  const focusOnDraw = useRef<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const byId = useMemo(() => new Map(room.messages.map((m) => [m.id, m])), [room.messages]);
  const rowActions = useMemo<RowActions>(() => ({
    ...actions,
    jumpTo: (id: string) => {
      setSeekFailed(false);
      setSeeking({ id, fetched: false });
    },
  }), [actions]);

  useEffect(() => {
    if (!jumpRequest) return;
    setSeekFailed(false);
    setSeeking({ id: jumpRequest.messageId, fetched: false });
  }, [jumpRequest?.messageId, jumpRequest?.n]);

  const items = useMemo(() => buildTimeline({
    messages: room.messages,
    pending: room.hasNewer ? [] : pendingForRoom(state.pending, room.id),
    dividerAfterId: room.dividerAfterId,
    myId: state.me.id,
  }), [room.messages, room.id, room.dividerAfterId, room.hasNewer, state.pending, state.me.id]);

  // Older items put before the first one lower the first index by their number (see FIRST_INDEX).
  // The first message (not a day separator, whose key stays when its day grows) tells how many.
  const firstIndex = useRef(FIRST_INDEX);
  const anchor = useRef<{ id: string; offset: number; until: number } | null>(null);
  const interacted = useRef(false);
  const previousItems = useRef<readonly TimelineItem[]>(items);
  if (previousItems.current !== items) {
    const before = previousItems.current;
    const at = before.findIndex((item) => item.kind === "message" || item.kind === "notice");
    // Only older rows put before the same list count: a window of history replaced (a jump to a
    // message) is placed by scrollToIndex instead.
    const sameEnd = before.length > 0 && items.length > 0 && before[before.length - 1]!.key === items[items.length - 1]!.key;
    if (at >= 0 && sameEnd) {
      const key = before[at]!.key;
      const now = items.findIndex((item) => item.key === key);
      if (now > at) {
        firstIndex.current -= now - at;
        // Virtuoso places the older rows by an estimate and measures them after: the top visible
        // message is noted as it is now, and held there while they settle (see holdAnchor).
        // At the bottom the bottom is what is kept; before the reader has scrolled, Virtuoso may still
        // be placing the list (a room just opened).
        const el = atBottom.current || !interacted.current ? null : scroller.current;
        const row = el ? topVisibleRow(el) : null;
        anchor.current = row && el ? { id: row.dataset.id!, offset: rowOffset(el, row), until: performance.now() + ANCHOR_HOLD_MS } : null;
      }
    }
    previousItems.current = items;
  }

  // Holds the noted message where it was until the older rows are measured (every layout, every
  // resize of the list and every frame for a moment); the reader's own scrolling ends it.
  const holdAnchor = useCallback(() => {
    const fix = anchor.current;
    const el = scroller.current;
    if (!fix || !el) return;
    if (performance.now() > fix.until) {
      anchor.current = null;
      return;
    }
    const row = el.querySelector<HTMLElement>(`li[data-id="${CSS.escape(fix.id)}"]`);
    if (!row) return;
    const delta = rowOffset(el, row) - fix.offset;
    if (Math.abs(delta) >= 1) el.scrollTop += delta;
  }, []);
  useLayoutEffect(() => {
    if (!anchor.current) return;
    holdAnchor();
    let frame = requestAnimationFrame(function again() {
      holdAnchor();
      if (anchor.current) frame = requestAnimationFrame(again);
    });
    return () => cancelAnimationFrame(frame);
  });
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const release = () => {
      anchor.current = null;
      interacted.current = true;
    };
    const observer = new ResizeObserver(holdAnchor);
    const list = el.firstElementChild;
    if (list) observer.observe(list);
    for (const type of ["wheel", "touchstart", "keydown", "mousedown"] as const) el.addEventListener(type, release, { passive: true });
    return () => {
      observer.disconnect();
      for (const type of ["wheel", "touchstart", "keydown", "mousedown"] as const) el.removeEventListener(type, release);
    };
  }, [room.loaded, holdAnchor]);

  const canLoadOlder = room.loaded && room.hasOlder && !room.loadingOlder && !room.historyError;
  const loadOlder = useCallback(() => {
    if (canLoadOlder) onLoadOlder();
  }, [canLoadOlder, onLoadOlder]);

  // Near the top, the next older page: Virtuoso's startReached says so once on arriving there, and
  // a page refused then (one was on its way) would never be asked for again, so scrolls ask too.
  const older = useRef({ can: canLoadOlder, load: loadOlder });
  older.current = { can: canLoadOlder, load: loadOlder };
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const check = () => {
      if (older.current.can && el.scrollTop < NEAR_TOP_PX) older.current.load();
    };
    el.addEventListener("scroll", check, { passive: true });
    return () => el.removeEventListener("scroll", check);
  }, [room.loaded, canLoadOlder]);

  // New messages at the end: follow them at the bottom (my own sends always), else offer a jump;
  // a live message from someone else is read out (the list itself is not a live region: rows
  // appearing while scrolling would be announced too).
  const lastKey = useRef<string | null>(null);
  useEffect(() => {
    const last = items[items.length - 1];
    const key = last?.key ?? null;
    if (lastKey.current !== null && key !== lastKey.current && last?.kind === "message" && room.loaded) {
      if (!atBottom.current) setUnseenBelow(true);
      if (last.message.from !== state.me.id) setAnnouncement(`${userName(state, last.message.from)}: ${last.message.message}`);
    }
    lastKey.current = key;
  }, [items]);

  // Sending from a window of older history: back to the present, where the message shows.
  const pendingCount = pendingForRoom(state.pending, room.id).length;
  const pendingBefore = useRef(pendingCount);
  useEffect(() => {
    if (pendingCount > pendingBefore.current && room.hasNewer) {
      toEnd.current = true;
      onGoToPresent();
    }
    pendingBefore.current = pendingCount;
  }, [pendingCount]);

  // Virtuoso draws a row far from the screen after it has scrolled there and measured the rows on
  // the way (several frames on a busy machine): tried every frame for about two seconds.
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const focusRow = useCallback((id: string, flashIt: boolean, tries = 120) => {
    const row = scroller.current?.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"]`);
    if (row) {
      if (flashIt) focusJumpedRow(row);
      else row.focus({ preventScroll: true });
      if (focusOnDraw.current === id) focusOnDraw.current = null;
      return;
    }
    if (tries <= 0) return;
    // Still not drawn: Virtuoso's scroll may have been overtaken (a page arriving meanwhile): again.
    if (tries % 15 === 0) {
      const index = itemsRef.current.findIndex((item) => item.kind === "message" && item.message.id === id);
      if (index >= 0) virtuoso.current?.scrollToIndex({ index, align: "center" });
    }
    requestAnimationFrame(() => focusRow(id, flashIt, tries - 1));
  }, []);

  // Going to a message: scroll to it when loaded, else load the history around it first.
  useEffect(() => {
    if (!seeking || !room.loaded) return;
    const index = items.findIndex((item) => item.kind === "message" && item.message.id === seeking.id);
    if (index >= 0) {
      // Where the reader is now, at once: a re-render before the scroll event would otherwise still
      // see "at the bottom" and follow new output away from the message.
      atBottom.current = index === items.length - 1;
      anchor.current = null;
      virtuoso.current?.scrollToIndex({ index, align: "center" });
      setFlash((previous) => ({ id: seeking.id, n: (previous?.n ?? 0) + 1 }));
      // Focused when Virtuoso draws it (it may be far from what is drawn now: see Item).
      focusOnDraw.current = seeking.id;
      focusRow(seeking.id, true);
      setSeeking(null);
    } else if (!seeking.fetched) {
      setSeeking({ ...seeking, fetched: true });
      onLoadAround(seeking.id).then((found) => {
        if (!found) {
          setSeeking(null);
          setSeekFailed(true);
        }
      }, () => {
        setSeeking(null);
        setSeekFailed(true);
      });
    }
  }, [seeking, items, room.loaded]);

  useEffect(() => {
    if (!flash) return;
    const timer = setTimeout(() => setFlash(null), FLASH_MS);
    return () => clearTimeout(timer);
  }, [flash]);

  // The list gets shorter when the composer grows (a reply quote, more lines): a reader at the
  // bottom stays there.
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current && !room.hasNewer) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [room.hasNewer]);

  // Keyboard: Up/Down move between messages (each shows its actions when focused); Page keys still
  // scroll. The next message may not be drawn yet: Virtuoso scrolls it into view, then it is focused.
  const onKeyDown = useCallback((event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    const target = event.target as HTMLElement;
    if (target !== scroller.current && !target.matches("li.msg")) return;
    const list = itemsRef.current;
    const step = event.key === "ArrowUp" ? -1 : 1;
    const current = target.dataset.id;
    let at = current === undefined ? list.length : list.findIndex((item) => item.kind === "message" && item.message.id === current);
    if (at < 0) return;
    do at += step; while (at >= 0 && at < list.length && list[at]!.kind !== "message");
    const next = list[at];
    if (!next || next.kind !== "message") return;
    event.preventDefault();
    const id = next.message.id;
    virtuoso.current?.scrollIntoView({ index: at, behavior: "auto", done: () => focusRow(id, false) });
    focusRow(id, false, 0);
  }, [focusRow]);

  // Back from a window of older history: once the newest page replaced it, to its end.
  const toEnd = useRef(false);
  useEffect(() => {
    if (!toEnd.current || room.hasNewer) return;
    toEnd.current = false;
    atBottom.current = true;
    virtuoso.current?.scrollToIndex({ index: "LAST", align: "end" });
  }, [room.hasNewer, items]);

  const jumpToLatest = () => {
    setUnseenBelow(false);
    if (room.hasNewer) {
      toEnd.current = true;
      onGoToPresent();
      return;
    }
    atBottom.current = true;
    anchor.current = null;
    virtuoso.current?.scrollToIndex({ index: "LAST", align: "end" });
  };

  const context = useMemo<ListContext>(() => ({
    state, room, byId, people, editingId, canDeleteAny, actions: rowActions, onRetry, flash, focusOnDraw, onKeyDown, loadOlder,
  }), [state, room, byId, people, editingId, canDeleteAny, rowActions, onRetry, flash, onKeyDown, loadOlder]);

  // Where a room opens: at the "new messages" divider when there is one, else at the newest message.
  const initialIndex = useMemo(() => {
    const divider = items.findIndex((item) => item.kind === "divider");
    return divider >= 0 ? { index: divider, align: "center" as const } : { index: Math.max(0, items.length - 1), align: "end" as const };
    // Only the first placement uses it.
  }, [room.loaded]);

  return (
    <div className="messages-wrap">
      {(unseenBelow || (showPresent && room.hasNewer)) && (
        <button type="button" className="jump primary" onClick={jumpToLatest}>
          {unseenBelow ? "New messages below" : "Jump to the newest messages"}
        </button>
      )}
      {seekFailed && (
        <p className="seek-failed" role="status">
          The original message is no longer there.{" "}
          <button type="button" className="link" onClick={() => setSeekFailed(false)}>OK</button>
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">{announcement}</p>
      {!room.loaded ? (
        <div className="messages" tabIndex={0} aria-label="Conversation history" ref={(el) => { scroller.current = el; }}>
          <div role="log" aria-live="off"><ListHeader context={context} /></div>
        </div>
      ) : (
        <Virtuoso<TimelineItem, ListContext>
          ref={virtuoso}
          scrollerRef={(el) => { scroller.current = el instanceof HTMLElement ? el : null; }}
          data={items}
          context={context}
          firstItemIndex={firstIndex.current}
          initialTopMostItemIndex={initialIndex}
          computeItemKey={(_, item) => item.key}
          // Rows above and below the screen drawn ahead: older pages are asked for before the top is in sight.
          increaseViewportBy={{ top: NEAR_TOP_PX, bottom: 400 }}
          // A typical row (a day separator measured first would make every older row count as short).
          defaultItemHeight={48}
          startReached={loadOlder}
          // Not while a jump is on its way to its message (the end is still drawn from before it).
          endReached={() => { if (room.hasNewer && !room.loadingNewer && focusOnDraw.current === null) onLoadNewer(); }}
          followOutput={(bottom) => {
            const last = items[items.length - 1];
            if (last?.kind === "pending") return "auto";
            return bottom && !room.hasNewer ? "auto" : false;
          }}
          atBottomThreshold={48}
          atBottomStateChange={(bottom) => {
            atBottom.current = bottom;
            if (bottom) setUnseenBelow(false);
            setShowPresent(!bottom);
          }}
          components={COMPONENTS}
        />
      )}
    </div>
  );
}

/** A ref that focuses the row of a message jumped to once it is in the document, once. */
function focusWhenDrawn(target: { current: string | null }) {
  return (el: HTMLLIElement | null) => {
    if (!el || target.current !== el.dataset.id) return;
    target.current = null;
    focusJumpedRow(el);
  };
}

/**
 * Focuses the row a jump led to (permalink, search result, a reply's quote) without opening its
 * actions over the text: they come back with the pointer over it or the first key pressed on it.
 */
function focusJumpedRow(el: HTMLElement) {
  el.dataset.jumped = "";
  const settle = () => {
    delete el.dataset.jumped;
    el.removeEventListener("keydown", settle);
    el.removeEventListener("blur", settle);
  };
  el.addEventListener("keydown", settle);
  el.addEventListener("blur", settle);
  el.focus({ preventScroll: true });
}

/** How long after an older page arrives the top visible message is held in place at most. */
const ANCHOR_HOLD_MS = 1500;

/** The first message row whose bottom is below the top of the scroller (partly visible counts). */
function topVisibleRow(el: HTMLElement): HTMLElement | null {
  const top = el.getBoundingClientRect().top;
  for (const row of el.querySelectorAll<HTMLElement>("li.msg[data-id]")) {
    if (row.getBoundingClientRect().bottom > top + 1) return row;
  }
  return null;
}

function rowOffset(el: HTMLElement, row: HTMLElement): number {
  return row.getBoundingClientRect().top - el.getBoundingClientRect().top;
}

const Scroller = forwardRef<HTMLDivElement, HTMLAttributes<HTMLDivElement> & { context?: ListContext }>(
  function Scroller({ context, ...rest }, ref) {
    // The conversation is a log for assistive technology, but not a live one: rows drawn while
    // scrolling would be read out too (new messages are, by the line above the list). It wraps the
    // list, as role="log" on the <ol> would leave its <li> items outside any list.
    const { children, ...attributes } = rest;
    return (
      // data-loaded: how many messages are loaded (the list benchmark reads it; rows drawn are fewer).
      <div {...attributes} ref={ref} className="messages" tabIndex={0} onKeyDown={context?.onKeyDown} data-loaded={context?.room.messages.length}
        aria-label="Conversation history" aria-description="Up and down arrows move between messages">
        <div role="log" aria-live="off">{children}</div>
      </div>
    );
  },
);

const List = forwardRef<HTMLOListElement, HTMLAttributes<HTMLOListElement> & { context?: ListContext }>(
  function List({ context: _context, ...rest }, ref) {
    return <ol {...rest} ref={ref} className="timeline" />;
  },
);

function ListHeader({ context }: { context?: ListContext }) {
  if (!context) return null;
  const { room, loadOlder } = context;
  return (
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
  );
}

function ListFooter({ context }: { context?: ListContext }) {
  if (!context?.room.hasNewer) return <div className="messages__bottom" />;
  return (
    <div className="messages__bottom">
      <p className="muted" role="status">Loading newer messages…</p>
    </div>
  );
}

function EmptyPlaceholder({ context }: { context?: ListContext }) {
  if (!context?.room.loaded) return null;
  return (
    <div className="empty">
      <p className="empty__title">No messages yet</p>
      <p className="muted">Say hello! Press Enter to send, Shift+Enter for a new line.</p>
    </div>
  );
}

/** A row: its <li> is measured by Virtuoso; the content inside is memoised (MessageRow). */
function Item({ item, context, children: _children, ...dom }: ItemProps<TimelineItem> & { context?: ListContext }) {
  if (!context) return null;
  const { state } = context;
  switch (item.kind) {
    case "day":
      return <li {...dom} className="day"><DayLabel date={item.date} /></li>;
    case "divider":
      return <li {...dom} className="divider"><span>New messages</span></li>;
    case "notice":
      return <li {...dom} className="notice">{item.notice.text}</li>;
    case "message": {
      const { message } = item;
      const mine = message.from === state.me.id;
      const flashed = context.flash?.id === message.id;
      return (
        <li {...dom} className={messageRowClass(message, mine, item.continued, state.me.id) + (flashed ? " msg--flash" : "")}
          data-id={message.id} tabIndex={-1} ref={context.focusOnDraw.current === message.id ? focusWhenDrawn(context.focusOnDraw) : undefined}>
          <MessageRow message={message} continued={item.continued}
            mine={mine} name={userName(state, message.from)}
            myId={state.me.id} people={context.people} editing={context.editingId === message.id}
            original={message.replyTo ? context.byId.get(message.replyTo) : undefined}
            canDelete={context.canDeleteAny || mine} actions={context.actions} />
        </li>
      );
    }
    case "pending":
      return (
        <li {...dom} className={pendingRowClass(item.pending)} aria-busy={item.pending.status !== "failed"}>
          <PendingRow pending={item.pending} name={userName(state, state.me.id)} myId={state.me.id} onRetry={context.onRetry} />
        </li>
      );
  }
}

const COMPONENTS: Components<TimelineItem, ListContext> = {
  Scroller: Scroller as Components<TimelineItem, ListContext>["Scroller"],
  List: List as Components<TimelineItem, ListContext>["List"],
  Item,
  Header: ListHeader,
  Footer: ListFooter,
  EmptyPlaceholder,
};
