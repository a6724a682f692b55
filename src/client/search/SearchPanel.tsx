import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { messageCaption, type SearchHas } from "../../protocol/index.js";
import { Dialog } from "../components/Dialog.js";
import { FileChips } from "../files/FileChips.js";
import { listTime } from "../lib/time.js";
import type { PeopleNames } from "../lib/peopleNames.js";
import { SenderName } from "../pins/SenderName.js";
import { Highlight } from "./Highlight.js";
import { groupByRoom, resultKey, searchable } from "./state.js";
import { useSearch } from "./useSearch.js";

/** The `has:` filters offered as chips (one at a time, as `has=` takes one). */
const HAS_CHIPS: readonly (readonly [SearchHas, string])[] = [["link", "Has a link"], ["file", "Has a file"], ["image", "Has an image"]];

interface Props {
  onClose: () => void;
  /** Opens a result: its room, scrolled to the message. */
  onOpen: (roomId: string, messageId: string) => void;
  roomTitle: (roomId: string) => string;
  /** Senders' names: those this tab does not know are fetched together as results arrive. */
  names: PeopleNames;
  /** The open room, offered as a filter chip. */
  activeRoomId: string | null;
  now: number;
}

/**
 * Message search (Ctrl/Cmd+K): a query box with filter chips, results grouped by room with the
 * matched words marked, more results as the list is scrolled, arrows to move and Enter to open.
 */
export function SearchPanel({ onClose, onOpen, roomTitle, names, activeRoomId, now }: Props) {
  const { state, dispatch, loadMore } = useSearch();
  const [active, setActive] = useState(0);
  const listId = useId();
  const sentinel = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const flat = groupByRoom(state.results).flatMap((g) => g.results);

  useEffect(() => setActive(0), [state.seq]);
  const { load: loadNames } = names;
  useEffect(() => loadNames(state.results.map((r) => r.message.from)), [state.results, loadNames]);

  // Infinite scroll: the next page when the end of the list comes into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadMore();
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [loadMore, state.results.length, state.next]);

  const open = (index: number) => {
    const result = flat[index];
    if (result) onOpen(result.roomId, result.message.id);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = Math.max(0, Math.min(flat.length - 1, active + (event.key === "ArrowDown" ? 1 : -1)));
      setActive(next);
      document.getElementById(`${listId}-${next}`)?.scrollIntoView({ block: "nearest" });
      if (next >= flat.length - 3) loadMore();
    } else if (event.key === "Enter" && !event.nativeEvent.isComposing) {
      event.preventDefault();
      open(active);
    } else if (event.key === "Escape" && !event.nativeEvent.isComposing) {
      // Closes the search, text or not (a search field's own Escape only clears its text).
      event.preventDefault();
      onClose();
    }
  };

  const chip = (label: string, on: boolean, toggle: () => void) => (
    <button key={label} type="button" className={`chip${on ? " chip--on" : ""}`} aria-pressed={on} onClick={toggle}>{label}</button>
  );

  // The status names the room filter when it is on: a chip's outline is easy to miss.
  const inRoom = state.roomId !== null ? ` in ${roomTitle(state.roomId)}` : "";
  const nothingFound = state.status === "done" && flat.length === 0;
  const searchAllRooms = () => {
    dispatch({ type: "room", roomId: null });
    // The button goes with the filter: the search box takes the focus rather than the page.
    input.current?.focus();
  };

  let index = -1;
  return (
    <Dialog title="Search messages" onClose={onClose} wide top>
      <div className="search">
        <input ref={input} className="search__input" type="search" data-autofocus placeholder="Words, &quot;a phrase&quot;, from:name, in:#room, before:2026-12-01"
          aria-label="Search messages" role="combobox" aria-expanded={flat.length > 0} aria-controls={listId}
          aria-activedescendant={flat.length ? `${listId}-${active}` : undefined}
          value={state.query} onChange={(e) => dispatch({ type: "query", query: e.target.value })} onKeyDown={onKeyDown} />
        <div className="search__chips" role="group" aria-label="Filters">
          {HAS_CHIPS.map(([has, label]) => chip(label, state.has === has, () => dispatch({ type: "has", has: state.has === has ? null : has })))}
          {activeRoomId !== null && chip(`In ${roomTitle(activeRoomId)}`, state.roomId === activeRoomId,
            () => dispatch({ type: "room", roomId: state.roomId === activeRoomId ? null : activeRoomId }))}
        </div>
        <div className="search__status-row">
          <p className="search__status muted small" role="status">
            {state.status === "error" ? <span className="error">{state.error}</span>
              : !searchable(state) ? "Type to search the rooms you are in."
              : nothingFound ? `No messages found${inRoom}.`
              // Also while typing pauses before the search is sent (idle): not "0 messages".
              : flat.length === 0 ? "Searching…"
              : `${flat.length}${state.next ? "+" : ""} ${flat.length === 1 ? "message" : "messages"}${inRoom}`}
          </p>
          {/* The room chip stays on through later searches: when it hides everything, one click lifts it. */}
          {nothingFound && state.roomId !== null && (
            <button type="button" className="link small search__all-rooms" onClick={searchAllRooms}>Search all rooms</button>
          )}
        </div>
        {/* A grouped listbox as ARIA's practices draw it: a listbox owns only groups and options, so each
            room is a group named by its heading row (an h3 there is a child a listbox may not have). */}
        <div className="search__results" id={listId} role="listbox" aria-label="Results">
          {groupByRoom(state.results).map((group) => (
            <ul key={group.roomId} className="search__group" role="group" aria-labelledby={`${listId}-room-${group.roomId}`}>
              <li className="search__room" role="presentation" id={`${listId}-room-${group.roomId}`}>{roomTitle(group.roomId)}</li>
                {group.results.map((result) => {
                  index++;
                  const i = index;
                  return (
                    <li key={resultKey(result)} id={`${listId}-${i}`} role="option" aria-selected={i === active}
                      className={`search__result${i === active ? " search__result--active" : ""}`}
                      onMouseEnter={() => setActive(i)} onClick={() => open(i)}>
                      <span className="search__meta">
                        <SenderName name={names.nameOf(result.message.from)} />
                        <span className="muted small">{listTime(result.message.date, now)}</span>
                      </span>
                      {/* The caption (the text before the fallback file lines, so the ranges still hold), then the files by name. */}
                      <Highlight text={messageCaption(result.message)} ranges={result.ranges} />
                      <FileChips attachments={result.message.attachments} />
                    </li>
                  );
                })}
            </ul>
          ))}
          <div ref={sentinel} className="search__more muted small" role="presentation">
            {state.next ? (state.status === "loading" ? "Loading more…" : "") : ""}
          </div>
        </div>
      </div>
    </Dialog>
  );
}
