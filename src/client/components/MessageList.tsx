import { forwardRef, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type HTMLAttributes, type KeyboardEvent, type ReactNode, type SyntheticEvent } from "react";
import { Virtuoso, type Components, type ItemProps, type VirtuosoHandle } from "react-virtuoso";
import type { ChatMessage } from "../../protocol/index.js";
import type { ChatState } from "../state/chat.js";
import { pendingForRoom } from "../state/pending.js";
import type { RoomState } from "../state/rooms.js";
import { buildTimeline, unreadAboveLoaded, type TimelineItem } from "../state/timeline.js";
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
  /** Shown under an empty room's "Say hello!" (the shell's: how to get people in while alone in the place). */
  emptyNote?: ReactNode;
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
/** How near the end counts as at it (Virtuoso's `atBottomThreshold`, and ours when reading the DOM). */
const AT_END_PX = 48;

/** What every row needs besides its item (Virtuoso's `context`: rows re-render when it changes). */
interface ListContext {
  state: ChatState;
  room: RoomState;
  byId: Map<string, ChatMessage>;
  people: People;
  editingId: string | null;
  canDeleteAny: boolean;
  actions: RowActions;
  onRetry: (clientId: string) => void;
  flash: { id: string; n: number } | null;
  focusOnDraw: { current: string | null };
  onKeyDown: (event: KeyboardEvent<HTMLDivElement>) => void;
  loadOlder: () => void;
  emptyNote?: ReactNode;
}

export function MessageList(props: Props) {
  const { room, state, onLoadOlder, onLoadNewer, onLoadAround, onGoToPresent, onRetry, actions, people, editingId, canDeleteAny, jumpRequest, emptyNote } = props;
  const virtuoso = useRef<VirtuosoHandle>(null);
  const scroller = useRef<HTMLElement | null>(null);
  // Also as state: Virtuoso hands its scroller over after the first commit, so listeners on it are
  // attached when it arrives (a list mounted with its room loaded, as a phone opens one).
  const [scrollerEl, setScrollerEl] = useState<HTMLElement | null>(null);
  // One function for good: Virtuoso's scroller effect depends on it, and a new one every render
  // re-ran that effect (ref handed back and forth, the scroller's size read: a forced layout) in
  // every render of the list, a room switch's included.
  const scrollerRef = useCallback((el: HTMLElement | Window | null) => {
    scroller.current = el instanceof HTMLElement ? el : null;
    setScrollerEl(scroller.current);
  }, []);
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
  const byId = useMemo(() => messagesById(room.messages), [room.messages]);
  const rowActions = useMemo<RowActions>(() => ({
    ...actions,
    jumpTo: (id: string) => {
      placing.current = null;
      setSeekFailed(false);
      setSeeking({ id, fetched: false });
    },
  }), [actions]);

  // Each request once: coming back to a room shows where the reader was, not the jump again.
  const jumpsHandled = useRef(0);
  useEffect(() => {
    if (!jumpRequest || jumpRequest.n <= jumpsHandled.current) return;
    jumpsHandled.current = jumpRequest.n;
    placing.current = null;
    setSeekFailed(false);
    setSeeking({ id: jumpRequest.messageId, fetched: false });
  }, [jumpRequest?.messageId, jumpRequest?.n]);

  // Before the room's history is in (loading, or failed: offline), what the reader sent here is
  // drawn all the same, below the loading line: her pending messages, and those already stored.
  const items = useMemo(() => room.loaded ? timelineOf(room, state) : sentWhileLoading(room, state),
    [room.loaded, room.messages, room.id, room.dividerAfterId, room.hasNewer, room.hasOlder, state.pending, state.me.id]);

  // Older items put before the first one lower the first index by their number (see FIRST_INDEX).
  // No row already shown changes when they arrive (see buildTimeline), so the first item's key tells
  // how many; Virtuoso then keeps what is on screen in place.
  // Another room's items are not older ones (day separators share keys across rooms): the index
  // stays, and Virtuoso measures the new rows as it draws them.
  const firstIndex = useRef(FIRST_INDEX);
  /** The message being gone to, as this render sees it (read above, before the effects run). */
  const seekingNow = useRef<string | null>(null);
  seekingNow.current = seeking?.id ?? null;
  /** A jump settling on its message (see settleJump); null: none. */
  const jumping = useRef<{ id: string } | null>(null);
  const anchor = useRef<Anchor | null>(null);
  /** The room whose place is being set (a frame or a few: rows are measured as they are drawn); null: none. */
  const placing = useRef<string | null>(null);
  /** The room the reader sent a message in while its history was loading (it opens at its end). */
  const sentBeforeLoad = useRef<string | null>(null);
  const previousItems = useRef<{ roomId: string; items: readonly TimelineItem[] }>({ roomId: room.id, items });
  if (previousItems.current.items !== items) {
    const before = previousItems.current.roomId === room.id ? previousItems.current.items : [];
    // Only older rows put before the same list count: a window of history replaced (a jump to a
    // message) is placed by scrollToIndex instead.
    const sameEnd = before.length > 0 && items.length > 0 && before[before.length - 1]!.key === items[items.length - 1]!.key;
    const first = sameEnd ? before[0] : undefined;
    const now = first ? items.findIndex((item) => item.key === first.key) : -1;
    if (now > 0) {
      firstIndex.current -= now;
      // Virtuoso places the new rows by an estimate and corrects its scroll once they are measured,
      // some corrections a frame late and some not at all (rows measured above the screen while the
      // reader is not scrolling up): the message at the top of the screen is noted as it is now
      // (the DOM still shows the list before them) and held there before every paint for a moment.
      // Not while going to a message: the jump places the list, and holding the old top row would
      // undo it (the page around the message is merged in front of the loaded one). Nor while the
      // room is being placed: the row on top then is one the placing is scrolling away from.
      const el = scroller.current;
      const jumpPending = seekingNow.current !== null || jumping.current !== null;
      const row = el && !atBottom.current && !jumpPending && placing.current === null ? topVisibleRow(el) : null;
      anchor.current = row && el ? { id: row.dataset.id!, offset: rowOffset(el, row), until: performance.now() + ANCHOR_HOLD_MS } : null;
    }
    // The reader's own message (a pending row new at the end) is shown where it goes, whatever was
    // keeping the list in place: the top row held after an older page (it put the list back where
    // it was for a second, over Virtuoso's follow, so messages sent then stayed below the screen),
    // the room's placing, a jump's settling on its message.
    const last = items[items.length - 1];
    if (last?.kind === "pending" && previousItems.current.roomId === room.id && before[before.length - 1]?.key !== last.key && !before.some((item) => item.key === last.key)) {
      // Sent before the history was in: the room opens where her message is, at its end.
      if (!room.loaded) sentBeforeLoad.current = room.id;
      anchor.current = null;
      placing.current = null;
      jumping.current = null;
      focusOnDraw.current = null;
    }
    previousItems.current = { roomId: room.id, items };
  }
  const holding = useRef<{ start(): void } | null>(null);
  useLayoutEffect(() => {
    holdAnchor(scroller.current, anchor);
    if (anchor.current) holding.current?.start();
  });
  useEffect(() => {
    const el = scrollerEl;
    if (!el || typeof ResizeObserver === "undefined") return;
    // Observing an element reports it once, after layout and before the paint, after every frame
    // callback (Virtuoso's included): the last moment to put the noted message back.
    const beforePaint = new ResizeObserver(() => {
      beforePaint.unobserve(el);
      holdAnchor(el, anchor);
    });
    const rows = new ResizeObserver(() => holdAnchor(el, anchor));
    const list = el.querySelector("ol");
    if (list) rows.observe(list);
    let frame = 0;
    const everyFrame = () => {
      frame = 0;
      if (!anchor.current) return;
      beforePaint.observe(el);
      frame = requestAnimationFrame(everyFrame);
    };
    holding.current = { start: () => { if (frame === 0) frame = requestAnimationFrame(everyFrame); } };
    // The reader's own scrolling ends the hold.
    const release = () => { anchor.current = null; };
    for (const type of ["wheel", "touchstart", "keydown", "mousedown"] as const) el.addEventListener(type, release, { passive: true });
    return () => {
      cancelAnimationFrame(frame);
      beforePaint.disconnect();
      rows.disconnect();
      for (const type of ["wheel", "touchstart", "keydown", "mousedown"] as const) el.removeEventListener(type, release);
    };
  }, [scrollerEl]);

  // The list is not mounted anew for another room (issue 19: that was a long task at 5,000 messages
  // loaded): what belongs to the room left is reset here, in the render that shows the next one,
  // and where the reader was in it is kept for coming back (read from the DOM, still the old room's).
  const places = useRef(new Map<string, Place>());
  const placed = useRef<string | null>(null);
  const [shownRoomId, setShownRoomId] = useState(room.id);
  // Another room's rows are drawn for the screen alone first, and those above and below it a frame
  // later, in a task of their own: all at once made the switch one long task (issue 19).
  const [screenOnly, setScreenOnly] = useState(false);
  if (shownRoomId !== room.id) {
    setScreenOnly(true);
    if (placed.current === shownRoomId) places.current.set(shownRoomId, placeOf(scroller.current, atBottom.current));
    setShownRoomId(room.id);
    setUnseenBelow(false);
    setShowPresent(false);
    setSeeking(null);
    setSeekFailed(false);
    setFlash(null);
    setAnnouncement("");
    focusOnDraw.current = null;
    placing.current = null;
    anchor.current = null;
    jumping.current = null;
  }

  useEffect(() => {
    if (!screenOnly || !room.loaded) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => { timer = setTimeout(() => setScreenOnly(false)); });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [screenOnly, room.loaded]);

  const canLoadOlder = room.loaded && room.hasOlder && !room.loadingOlder && !room.historyError;
  const loadOlder = useCallback(() => {
    if (canLoadOlder) onLoadOlder();
  }, [canLoadOlder, onLoadOlder]);

  // Near the top, the next older page: Virtuoso's startReached says so once on arriving there, and
  // a page refused then (one was on its way) would never be asked for again, so scrolls ask too.
  const older = useRef({ can: canLoadOlder, load: loadOlder });
  older.current = { can: canLoadOlder, load: loadOlder };
  useEffect(() => {
    const el = scrollerEl;
    if (!el) return;
    const check = () => {
      if (older.current.can && el.scrollTop < NEAR_TOP_PX) older.current.load();
    };
    el.addEventListener("scroll", check, { passive: true });
    return () => el.removeEventListener("scroll", check);
  }, [room.loaded, canLoadOlder, scrollerEl]);

  // A row scrolled under the top edge while hovered or focused keeps a toolbar one can see (placeToolbar).
  useEffect(() => {
    const el = scrollerEl;
    if (!el) return;
    let frame = 0;
    const place = () => {
      frame = 0;
      for (const row of el.querySelectorAll<HTMLElement>("li.msg:hover, li.msg:focus-within")) placeToolbar(row);
    };
    const onScroll = () => { frame ||= requestAnimationFrame(place); };
    el.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      el.removeEventListener("scroll", onScroll);
      cancelAnimationFrame(frame);
    };
  }, [scrollerEl]);

  // New messages at the end: follow them at the bottom (my own sends always), else offer a jump;
  // a live message from someone else is read out (the list itself is not a live region: rows
  // appearing while scrolling would be announced too).
  const lastKey = useRef<{ roomId: string; key: string | null } | null>(null);
  useEffect(() => {
    const last = items[items.length - 1];
    const key = last?.key ?? null;
    const before = lastKey.current?.roomId === room.id ? lastKey.current.key : null;
    if (before !== null && key !== before && last?.kind === "message" && room.loaded) {
      if (!atBottom.current) setUnseenBelow(true);
      if (last.message.from !== state.me.id) setAnnouncement(`${userName(state, last.message.from)}: ${last.message.message}`);
      // Her own message, stored in place of its pending row (the row count unchanged, so Virtuoso
      // follows nothing): at the end, the end is shown whole, not left within the at-end margin
      // with her message under the composer.
      else if (atBottom.current && !room.hasNewer) {
        requestAnimationFrame(() => {
          const el = scroller.current;
          if (el && atBottom.current && placing.current === null && el.scrollHeight - el.scrollTop - el.clientHeight > 1) el.scrollTop = el.scrollHeight;
        });
      }
    }
    lastKey.current = { roomId: room.id, key };
  }, [items]);

  // Sending from a window of older history: back to the present, where the message shows.
  const pendingCount = pendingForRoom(state.pending, room.id).length;
  const pendingBefore = useRef({ roomId: room.id, count: pendingCount });
  useEffect(() => {
    if (pendingBefore.current.roomId === room.id && pendingCount > pendingBefore.current.count && room.hasNewer) {
      toEnd.current = true;
      onGoToPresent();
    }
    pendingBefore.current = { roomId: room.id, count: pendingCount };
  }, [pendingCount, room.id]);

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

  // A jump ends with its message in view: Virtuoso's scrollToIndex can be overtaken by its own
  // scroll correction when the page around the message is merged in front of the loaded one (the
  // first index shifts and a scrollBy of the new rows' height follows, a frame or more later), and
  // by rows measured on the way. So every frame for a moment the row is put back in the middle of
  // the screen if it is not in view, until it has stayed in view for a while or the reader scrolls.
  const settleJump = useCallback((id: string) => {
    const token = { id };
    jumping.current = token;
    let frames = 0;
    let inView = 0;
    let focused = false;
    const step = () => {
      const el = scroller.current;
      if (jumping.current !== token || !el || frames++ > JUMP_FRAMES) {
        if (jumping.current === token) jumping.current = null;
        return;
      }
      const row = el.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"]`);
      if (row) {
        if (!focused) {
          focused = true;
          if (document.activeElement !== row) focusJumpedRow(row);
          if (focusOnDraw.current === id) focusOnDraw.current = null;
        }
        const top = rowOffset(el, row);
        const height = row.getBoundingClientRect().height;
        const visible = top >= -0.5 && top + Math.min(height, el.clientHeight) <= el.clientHeight + 0.5;
        if (visible) inView++;
        else {
          inView = 0;
          el.scrollTop += top - Math.max(0, (el.clientHeight - height) / 2);
        }
        if (inView >= JUMP_STEADY_FRAMES) {
          jumping.current = null;
          return;
        }
      } else if (frames % 10 === 1) {
        inView = 0;
        const index = itemsRef.current.findIndex((item) => item.kind === "message" && item.message.id === id);
        if (index >= 0) virtuoso.current?.scrollToIndex({ index, align: "center" });
      }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }, []);
  useEffect(() => {
    const el = scrollerEl;
    if (!el) return;
    // The reader's own scrolling ends a jump's settling.
    const release = () => { jumping.current = null; };
    for (const type of ["wheel", "touchstart", "keydown", "mousedown"] as const) el.addEventListener(type, release, { passive: true });
    return () => {
      for (const type of ["wheel", "touchstart", "keydown", "mousedown"] as const) el.removeEventListener(type, release);
    };
  }, [scrollerEl]);

  // Going to a message: scroll to it when loaded, else load the history around it first.
  useEffect(() => {
    if (!seeking || !room.loaded) return;
    const index = items.findIndex((item) => item.kind === "message" && item.message.id === seeking.id);
    if (index >= 0) {
      placing.current = null;
      anchor.current = null;
      // Where the reader is now, at once: a re-render before the scroll event would otherwise still
      // see "at the bottom" and follow new output away from the message.
      atBottom.current = index === items.length - 1;
      virtuoso.current?.scrollToIndex({ index, align: "center" });
      setFlash((previous) => ({ id: seeking.id, n: (previous?.n ?? 0) + 1 }));
      // Focused when Virtuoso draws it (it may be far from what is drawn now: see Item).
      focusOnDraw.current = seeking.id;
      settleJump(seeking.id);
      setSeeking(null);
    } else if (room.hasOlder && room.messages.some((m) => m.id === seeking.id)) {
      // Loaded but not shown yet (the oldest loaded message waits for the page before it): that page.
      if (!room.loadingOlder) onLoadOlder();
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
  }, [seeking, items, room.loaded, room.loadingOlder, settleJump]);

  useEffect(() => {
    if (!flash) return;
    const timer = setTimeout(() => setFlash(null), FLASH_MS);
    return () => clearTimeout(timer);
  }, [flash]);

  // The list gets shorter when the composer grows (a reply quote, more lines): a reader at the
  // bottom stays there.
  useEffect(() => {
    const el = scrollerEl;
    if (!el || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current && !room.hasNewer) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [room.hasNewer, scrollerEl]);

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
    state, room, byId, people, editingId, canDeleteAny, actions: rowActions, onRetry, flash, focusOnDraw, onKeyDown, loadOlder, emptyNote,
  }), [state, room, byId, people, editingId, canDeleteAny, rowActions, onRetry, flash, onKeyDown, loadOlder, emptyNote]);

  // Where a room opens (once its first page is in): where the reader left it, else at the "new
  // messages" divider, else at the top when all that is loaded is unread, else at the newest message.
  // Virtuoso draws rows by estimated heights and measures them as they come: the place is set
  // again every frame until it holds, for a moment at most, or until the reader scrolls.
  // A divider still due (the room's read state not in yet: see ChatState.dividerDue) is waited for.
  const dividerDue = state.dividerDue === room.id;
  useLayoutEffect(() => {
    if (!room.loaded || dividerDue || placed.current === room.id) return;
    placed.current = room.id;
    // A message asked for (a permalink, a search result) is the place: scrolling anywhere first
    // would race the scroll to it.
    if (seeking || focusOnDraw.current !== null || jumping.current !== null || (jumpRequest && jumpRequest.n > jumpsHandled.current)) return;
    const saved = places.current.get(room.id);
    const divider = items.findIndex((item) => item.kind === "divider");
    // Back at the end of a room where messages came meanwhile: at the first of them, as on opening.
    const keptPlace = saved && !(saved.kind === "end" && divider >= 0)
      && (saved.kind !== "message" || items.some((item) => item.key === saved.id));
    const target: Place = sentBeforeLoad.current === room.id ? { kind: "end" }
      : keptPlace ? saved
      : divider >= 0 ? { kind: "item", key: items[divider]!.key, align: "center" }
      : unreadAboveLoaded({ messages: room.messages, dividerAfterId: room.dividerAfterId, myId: state.me.id, hasOlder: room.hasOlder })
        ? { kind: "item", key: items[0]!.key, align: "start" }
      : { kind: "end" };
    sentBeforeLoad.current = null;
    atBottom.current = target.kind === "end";
    setShowPresent(target.kind !== "end");
    placing.current = room.id;
    const roomId = room.id;
    let frames = 0;
    let still = 0;
    let lastTop = -1;
    let lastHeight = -1;
    let frame = 0;
    let shown: ResizeObserver | null = null;
    const step = () => {
      const el = scroller.current;
      if (placing.current !== roomId) return;
      if (frames > PLACE_FRAMES) {
        settled(scroller.current);
        return;
      }
      // A list mounted with its room already loaded (a phone opening a room): Virtuoso hands over
      // its scroller a frame later.
      if (!el) {
        frames++;
        frame = requestAnimationFrame(step);
        return;
      }
      // Not displayed (a phone shows the room list instead): nothing can be placed yet; placed once shown.
      if (el.clientHeight === 0) {
        shown ??= new ResizeObserver(() => {
          if (el.clientHeight === 0) return;
          shown?.disconnect();
          frame = requestAnimationFrame(step);
        });
        shown.observe(el);
        return;
      }
      frames++;
      placeOnce(el, virtuoso.current, itemsRef.current, target, frames);
      // Settled when the place is reached and neither the position nor the content's height moved
      // for a few frames: rows drawn late (a phone opening a room) grow the list after the first
      // scroll, and a scroll to an item asked for in the frame the room's rows replaced another
      // room's may not have started yet (on a slow machine the list stayed where the last room was).
      still = el.scrollTop === lastTop && el.scrollHeight === lastHeight ? still + 1 : 0;
      lastTop = el.scrollTop;
      lastHeight = el.scrollHeight;
      if (still >= 3 && frames > 3 && placeReached(el, target)) {
        settled(el);
        return;
      }
      frame = requestAnimationFrame(step);
    };
    const settled = (el: HTMLElement | null) => {
      placing.current = null;
      // Placed at a divider that the list could not scroll past: the reader is at the end, and
      // what arrives next is followed (Virtuoso need not report it: its own state may not change).
      if (el && nearEnd(el) && !atBottom.current) {
        atBottom.current = true;
        setShowPresent(false);
      }
    };
    step();
    return () => {
      cancelAnimationFrame(frame);
      shown?.disconnect();
    };
  }, [room.id, room.loaded, dividerDue]);
  useEffect(() => {
    const el = scrollerEl;
    if (!el) return;
    const release = () => { placing.current = null; };
    for (const type of ["wheel", "touchstart", "keydown", "mousedown"] as const) el.addEventListener(type, release, { passive: true });
    return () => {
      for (const type of ["wheel", "touchstart", "keydown", "mousedown"] as const) el.removeEventListener(type, release);
    };
  }, [scrollerEl]);

  // A row growing at the end (a reaction added, a link preview) is followed as a new row is:
  // Virtuoso follows new rows and a shrinking viewport, not a last row that grows (it was left
  // under the composer). Whether the list was at its end is as the reader last scrolled it: rows
  // put above (an older page, with Virtuoso's correction of the scroll) do not make it so.
  // Not where new rows are not followed either (see followOutput).
  const listHeight = useRef(0);
  const endDistance = useRef(0);
  useEffect(() => {
    const el = scrollerEl;
    if (!el) return;
    const note = () => { endDistance.current = el.scrollHeight - el.scrollTop - el.clientHeight; };
    el.addEventListener("scroll", note, { passive: true });
    return () => el.removeEventListener("scroll", note);
  }, [scrollerEl]);
  const followGrowth = (height: number) => {
    const grew = height > listHeight.current;
    listHeight.current = height;
    const el = scroller.current;
    if (!el || !grew || endDistance.current > 2 || anchor.current !== null || room.hasNewer || placing.current !== null
      || seeking || jumping.current !== null || focusOnDraw.current !== null) return;
    el.scrollTop = el.scrollHeight;
  };

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
      {/* Mounted once for every room (see shownRoomId); a room still loading shows its header only. */}
      <Virtuoso<TimelineItem, ListContext>
          ref={virtuoso}
          scrollerRef={scrollerRef}
          data={items}
          context={context}
          firstItemIndex={firstIndex.current}
          computeItemKey={(_, item) => item.key}
          // Rows above and below the screen drawn ahead: older pages are asked for before the top is in sight.
          increaseViewportBy={screenOnly ? SCREEN_ONLY : AHEAD}
          // A typical row (a day separator measured first would make every older row count as short).
          defaultItemHeight={48}
          startReached={loadOlder}
          // Not while a jump is on its way to its message (the end is still drawn from before it).
          endReached={() => { if (room.hasNewer && !room.loadingNewer && focusOnDraw.current === null) onLoadNewer(); }}
          followOutput={(bottom) => {
            const last = items[items.length - 1];
            // The reader's own message, wherever the list is (what held it was let go: see previousItems).
            if (last?.kind === "pending" && !seeking) return "auto";
            // A room being placed is placed where it was left, not followed to its end.
            if (placing.current !== null) return false;
            // Nor while going to a message (an empty list counts as at its end, so the history
            // arriving for the jump would otherwise be followed to its end).
            if (seeking || focusOnDraw.current !== null || jumping.current !== null) return false;
            return bottom && !room.hasNewer ? "auto" : false;
          }}
          totalListHeightChanged={followGrowth}
          atBottomThreshold={AT_END_PX}
          atBottomStateChange={(bottom) => {
            atBottom.current = bottom;
            if (bottom) setUnseenBelow(false);
            setShowPresent(!bottom);
          }}
          components={COMPONENTS}
        />
    </div>
  );
}

/** A room whose history is not in: the reader's own messages only, pending and stored (see items). */
function sentWhileLoading(room: RoomState, state: ChatState): TimelineItem[] {
  const pending = room.hasNewer ? [] : pendingForRoom(state.pending, room.id);
  const mine = room.messages.filter((m) => m.from === state.me.id);
  if (pending.length === 0 && mine.length === 0) return NO_ITEMS;
  // No divider, and every message shown (hasOlder false): nothing else of the room is known yet.
  return buildTimeline({ messages: mine, pending, dividerAfterId: null, myId: state.me.id, hasOlder: false });
}

const NO_ITEMS: TimelineItem[] = [];

// A room's timeline and messages by id, kept with its messages (the same array while nothing
// changed in it): coming back to a room does not build them again over thousands of messages.
const timelines = new WeakMap<readonly ChatMessage[], { inputs: readonly unknown[]; items: TimelineItem[] }>();
const byIds = new WeakMap<readonly ChatMessage[], Map<string, ChatMessage>>();

function timelineOf(room: RoomState, state: ChatState): TimelineItem[] {
  const inputs = [room.id, room.dividerAfterId, room.hasNewer, room.hasOlder, state.pending, state.me.id];
  const kept = timelines.get(room.messages);
  if (kept && kept.inputs.every((value, i) => value === inputs[i])) return kept.items;
  const items = buildTimeline({
    messages: room.messages,
    pending: room.hasNewer ? [] : pendingForRoom(state.pending, room.id),
    dividerAfterId: room.dividerAfterId,
    myId: state.me.id,
    hasOlder: room.hasOlder,
  });
  timelines.set(room.messages, { inputs, items });
  return items;
}

function messagesById(messages: readonly ChatMessage[]): Map<string, ChatMessage> {
  let map = byIds.get(messages);
  if (!map) byIds.set(messages, (map = new Map(messages.map((m) => [m.id, m]))));
  return map;
}
const AHEAD = { top: NEAR_TOP_PX, bottom: 400 };
const SCREEN_ONLY = { top: 0, bottom: 0 };
/** How long after an older page arrives the message at the top of the screen is held in place. */
const ANCHOR_HOLD_MS = 1000;

interface Anchor {
  id: string;
  /** Its row's distance from the top of the scroller. */
  offset: number;
  until: number;
}

/** Puts the noted message back where it was (scrolling by the difference), until the hold ends. */
function holdAnchor(el: HTMLElement | null, anchor: { current: Anchor | null }): void {
  const fix = anchor.current;
  if (!fix || !el) return;
  if (performance.now() > fix.until) {
    anchor.current = null;
    return;
  }
  const row = el.querySelector<HTMLElement>(`li[data-id="${CSS.escape(fix.id)}"]`);
  if (!row) return;
  const delta = rowOffset(el, row) - fix.offset;
  if (Math.abs(delta) >= 0.5) el.scrollTop += delta;
}
/** Frames a jump is kept on its message at most (about three seconds) while the list settles. */
const JUMP_FRAMES = 180;
/** Frames in a row a jumped-to message must stay in view for the jump to be done. */
const JUMP_STEADY_FRAMES = 20;
/** Frames a room's place is set again at most (about a second) while its rows are measured. */
const PLACE_FRAMES = 60;

/**
 * Where a room is shown: at its end, at a message (its row this far from the top), or at an item
 * (the divider, the first unread message). Items by key, never by index: an older page arriving
 * while the room is placed puts its rows in front, and an index noted before would then point a
 * page too high (the list settled 30 rows above the divider, its new messages out of view).
 */
type Place =
  | { kind: "end" }
  | { kind: "message"; id: string; offset: number }
  | { kind: "item"; key: string; align: "start" | "center" };

/** Where the reader is in the list now: at the end, or the first message row on screen. */
function placeOf(el: HTMLElement | null, atEnd: boolean): Place {
  // At the end by where the list is, not only by Virtuoso's last report: a room placed at its
  // divider can end up at the end without Virtuoso reporting a change, and the reader kept there
  // would come back above the messages that arrived meanwhile.
  const row = el && !atEnd && !nearEnd(el) ? topVisibleRow(el) : null;
  return row && el ? { kind: "message", id: row.dataset.id!, offset: rowOffset(el, row) } : { kind: "end" };
}

/** One frame's step towards a place: scrolls there by index, then by the row itself once drawn. */
function placeOnce(el: HTMLElement, list: VirtuosoHandle | null, items: readonly TimelineItem[], place: Place, frame: number): void {
  // Virtuoso takes a few frames to reach an index (it draws and measures on the way): asked again
  // only every few frames, as each request starts over and draws another range of rows.
  const again = frame % 5 === 1;
  if (place.kind === "end") {
    if (el.scrollHeight - el.scrollTop - el.clientHeight > 1) {
      if (again) list?.scrollToIndex({ index: "LAST", align: "end" });
      else el.scrollTop = el.scrollHeight;
    }
    return;
  }
  if (place.kind === "item") {
    const index = items.findIndex((item) => item.key === place.key);
    if (index >= 0 && again) list?.scrollToIndex({ index, align: place.align });
    return;
  }
  const row = el.querySelector<HTMLElement>(`li[data-id="${CSS.escape(place.id)}"]`);
  if (row) {
    const delta = rowOffset(el, row) - place.offset;
    if (Math.abs(delta) >= 1) el.scrollTop += delta;
    return;
  }
  const index = items.findIndex((item) => item.key === place.id);
  if (index >= 0 && again) list?.scrollToIndex({ index, align: "start", offset: -place.offset });
}

/** Whether the list shows a place: its end, the message at its offset (or as near as the list
 * scrolls), the item drawn on screen. */
function placeReached(el: HTMLElement, place: Place): boolean {
  if (place.kind === "end") return el.scrollHeight - el.scrollTop - el.clientHeight <= 1;
  const row = place.kind === "message"
    ? el.querySelector<HTMLElement>(`li[data-id="${CSS.escape(place.id)}"]`)
    : el.querySelector<HTMLElement>(`li[data-key="${CSS.escape(place.key)}"]`);
  if (!row) return false;
  const top = rowOffset(el, row);
  if (place.kind === "item") return top >= -1 && top < el.clientHeight;
  const scrolledOut = el.scrollTop <= 0 || el.scrollHeight - el.scrollTop - el.clientHeight <= 1;
  return Math.abs(top - place.offset) < 1 || scrolledOut;
}

/** Within Virtuoso's `atBottomThreshold` of the end. */
function nearEnd(el: HTMLElement): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= AT_END_PX;
}

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
      {/* The keys are a keyboard's: a phone or a touch screen sends with the Send button. */}
      <p className="muted">Say hello!<span className="keys-hint"> Press Enter to send, Shift+Enter for a new line.</span></p>
      {context.emptyNote}
    </div>
  );
}

/** How far a message's toolbar reaches above its row (`.msg__toolbar`'s top in styles.css), and a little air. */
const TOOLBAR_OVERHANG_PX = 16;

/**
 * A message's toolbar is drawn above its row, over the one before; the list clips what is above
 * its top edge (behind the room header), so a row with no room above it there has its toolbar
 * inside it instead (`data-toolbar="inside"`, as Slack does), just under the list's edge when the
 * row's top is scrolled past it (`--toolbar-top`). Read when the row is hovered or focused, and as
 * the list scrolls under it.
 */
function placeToolbar(row: HTMLElement): void {
  const list = row.closest(".messages");
  if (!list) return;
  const room = row.getBoundingClientRect().top - list.getBoundingClientRect().top;
  if (room >= TOOLBAR_OVERHANG_PX) {
    if (row.dataset.toolbar === undefined) return;
    delete row.dataset.toolbar;
    row.style.removeProperty("--toolbar-top");
    return;
  }
  row.dataset.toolbar = "inside";
  row.style.setProperty("--toolbar-top", `${Math.round(Math.max(0, -room)) + 4}px`);
}

/** A row: its <li> is measured by Virtuoso; the content inside is memoised (MessageRow). */
function Item({ item, context, children: _children, ...dom }: ItemProps<TimelineItem> & { context?: ListContext }) {
  // A message's whole toolbar is made once the row is hovered or focused (it shows only then).
  const [toolbar, setToolbar] = useState(false);
  if (!context) return null;
  const { state } = context;
  switch (item.kind) {
    case "day":
      return <li {...dom} data-key={item.key} className="day"><DayLabel date={item.date} /></li>;
    case "divider":
      return <li {...dom} data-key={item.key} className="divider"><span>New messages</span></li>;
    case "notice":
      return <li {...dom} data-key={item.key} className="notice">{item.notice.text}</li>;
    case "message": {
      const { message } = item;
      const mine = message.from === state.me.id;
      const flashed = context.flash?.id === message.id;
      const showToolbar = (event: SyntheticEvent<HTMLElement>) => {
        placeToolbar(event.currentTarget);
        if (!toolbar) setToolbar(true);
      };
      return (
        <li {...dom} data-key={item.key} className={messageRowClass(message, mine, item.continued, state.me.id) + (flashed ? " msg--flash" : "")}
          data-id={message.id} tabIndex={-1} ref={context.focusOnDraw.current === message.id ? focusWhenDrawn(context.focusOnDraw) : undefined}
          onPointerEnter={showToolbar} onFocus={showToolbar}
          // A row drawn under a resting pointer is hovered without a pointerenter: the first move makes it.
          onPointerMove={toolbar ? undefined : showToolbar}>
          <MessageRow message={message} continued={item.continued}
            mine={mine} name={userName(state, message.from)}
            myId={state.me.id} people={context.people} editing={context.editingId === message.id}
            original={message.replyTo ? context.byId.get(message.replyTo) : undefined}
            canDelete={context.canDeleteAny || mine} actions={context.actions} toolbar={toolbar} />
        </li>
      );
    }
    case "pending":
      return (
        <li {...dom} data-key={item.key} className={pendingRowClass(item.pending)} aria-busy={item.pending.status !== "failed"}>
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
