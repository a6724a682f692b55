import { useEffect, useState } from "react";
import { parsePrivateRoomId } from "../../protocol/index.js";
import { api } from "../api.js";
import type { RefusedLink } from "../state/chat.js";

interface Props {
  refused: RefusedLink;
  /** Joins the room (as Browse rooms does), then shows what the link pointed to. Rejects with the server's message. */
  onJoin: (roomId: string) => Promise<void>;
  onDismiss: () => void;
}

/**
 * Why a link did not open: its room is not one of the reader's. An open room is offered to join
 * (Browse rooms lists it to anyone, and `GET /room/:id` answers its name to anyone signed in); any
 * other room reads as before, naming nothing (the server answers 403 or 404 for it).
 */
export function RefusedLinkNote({ refused, onJoin, onDismiss }: Props) {
  const [openRoom, setOpenRoom] = useState<string | null>(null);
  const [joining, setJoining] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setOpenRoom(null);
    setError(null);
    // Conversations are never open: not asked about.
    if (parsePrivateRoomId(refused.roomId)) return;
    let current = true;
    api.room(refused.roomId).then(
      (room) => { if (current && room.kind === "room" && room.visibility === "open") setOpenRoom(room.name); },
      () => {},
    );
    return () => { current = false; };
  }, [refused.roomId]);

  const join = () => {
    setJoining(true);
    setError(null);
    onJoin(refused.roomId).catch((e: unknown) => setError(e instanceof Error ? e.message : "Could not join the room")).finally(() => setJoining(false));
  };

  return (
    <div className="sidebar__note refused-link" role="status">
      <span>
        {openRoom === null
          ? refused.messageId ? "That message is in a room you are not in." : "That room is not one you are in."
          : refused.messageId ? `That message is in “${openRoom}”, an open room you are not in.` : `“${openRoom}” is an open room you are not in.`}
        {error && <span className="error"> {error}</span>}
      </span>
      <span className="refused-link__actions">
        {openRoom !== null && (
          <button type="button" className="link small" disabled={joining} onClick={join}>Join {openRoom} to see it</button>
        )}
        <button type="button" className="link small" onClick={onDismiss}>{openRoom === null ? "OK" : "Not now"}</button>
      </span>
    </div>
  );
}
