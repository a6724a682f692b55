import { useEffect, useReducer, useState } from "react";
import { api } from "../api.js";
import { directoryReducer, filterDirectory, initialDirectory } from "../state/directory.js";
import type { RoomActions } from "../useRoomActions.js";
import { Avatar } from "./Avatar.js";
import { Dialog, errorText } from "./Dialog.js";

/** The directory of open rooms: filter, join in one click, or open a room already joined. */
export function DirectoryDialog({ actions, onOpen, onClose, onNewRoom }: {
  actions: RoomActions; onOpen: (roomId: string) => void; onClose: () => void; onNewRoom: () => void;
}) {
  const [state, dispatch] = useReducer(directoryReducer, initialDirectory);
  const [filter, setFilter] = useState("");
  // The server searches every open room by name; typing narrows what is shown at once, and the
  // server is asked a moment after the typing stops.
  const [query, setQuery] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => setQuery(filter.trim()), 250);
    return () => clearTimeout(timer);
  }, [filter]);
  useEffect(() => {
    let cancelled = false;
    dispatch({ type: "loading" });
    api.directory(query).then(
      (page) => !cancelled && dispatch({ type: "loaded", rooms: page.rooms, next: page.next }),
      (error: unknown) => !cancelled && dispatch({ type: "failed", error: errorText(error) }),
    );
    return () => {
      cancelled = true;
    };
  }, [query]);

  // The next page of the same query (a new query cancels it: its answer is for a list no longer shown).
  const [moreFor, setMoreFor] = useState<{ query: string; cursor: string } | null>(null);
  useEffect(() => {
    if (!moreFor || moreFor.query !== query) return;
    let cancelled = false;
    dispatch({ type: "moreLoading" });
    api.directory(moreFor.query, moreFor.cursor).then(
      (page) => !cancelled && dispatch({ type: "moreLoaded", rooms: page.rooms, next: page.next }),
      (error: unknown) => !cancelled && dispatch({ type: "moreFailed", error: errorText(error) }),
    );
    return () => {
      cancelled = true;
    };
  }, [moreFor, query]);

  const join = async (roomId: string) => {
    dispatch({ type: "joinStarted", roomId });
    try {
      await actions.join(roomId);
      dispatch({ type: "joined", roomId });
      onClose();
    } catch (error) {
      dispatch({ type: "joinFailed", roomId, error: errorText(error) });
    }
  };

  const rooms = filterDirectory(state.rooms, filter);
  return (
    <Dialog title="Browse rooms" onClose={onClose} wide>
      <div className="directory">
        <div className="directory__bar">
          <input type="search" className="filter" placeholder="Find rooms" aria-label="Filter rooms"
            value={filter} onChange={(e) => setFilter(e.target.value)} data-autofocus />
          <button type="button" className="ghost" onClick={onNewRoom}>New room</button>
        </div>
        {state.error && <p className="error" role="alert">{state.error}</p>}
        {state.status === "loading" && <p className="muted" role="status">Loading rooms…</p>}
        {state.status === "ready" && rooms.length === 0 && (
          <p className="muted empty-note">{filter.trim() ? `No open room matches “${filter.trim()}”.` : "No open rooms yet. Create the first one."}</p>
        )}
        <ul className="directory__list" aria-label="Open rooms">
          {rooms.map((room) => {
            const joining = state.joining.includes(room.id);
            return (
              <li key={room.id} className="directory__room">
                <Avatar name={room.name} id={`room:${room.id}`} size={36} label="#" />
                <div className="directory__text">
                  <strong>{room.name}</strong>
                  <span className="muted small">{room.topic || "No topic"} · {room.memberCount} {room.memberCount === 1 ? "member" : "members"}</span>
                </div>
                {room.joined ? (
                  <button type="button" className="ghost" onClick={() => { onOpen(room.id); onClose(); }} aria-label={`Open ${room.name}`}>Open</button>
                ) : (
                  <button type="button" className="primary" disabled={joining} onClick={() => void join(room.id)} aria-label={`Join ${room.name}`}>
                    {joining ? "Joining…" : "Join"}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
        {state.status === "ready" && state.next && (
          <button type="button" className="ghost directory__more" disabled={state.loadingMore}
            onClick={() => setMoreFor({ query, cursor: state.next! })}>
            {state.loadingMore ? "Loading more rooms…" : "More rooms"}
          </button>
        )}
      </div>
    </Dialog>
  );
}
