import { useCallback } from "react";
import "./pins.css";
import { PinIcon } from "../components/Icons.js";
import { useNow } from "../lib/useNow.js";
import { pinsApi } from "./api.js";
import { usePinnedIds } from "./live.js";
import { MessageListDialog } from "./MessageListDialog.js";
import type { PeopleNames } from "../lib/peopleNames.js";

const loadIds = (roomId: string) => pinsApi.list(roomId).then((pins) => pins.map((p) => p.message.id));

/**
 * The room header's pins: a button with the room's pin count, opening the list of pinned
 * messages. Both stay live (see live.ts): someone pinning or unpinning on any instance, or the
 * message being deleted, shows here at once.
 */
export function PinsButton({ roomId, title, canPin, whoPins, open, onOpenChange, onOpenMessage, names }: {
  roomId: string;
  /** The room's title, for the list's heading. */
  title: string;
  /** This person manages the room's pins: the list offers Unpin. */
  canPin: boolean;
  /** Who may pin here ("administrators"), told to those who may not. */
  whoPins: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onOpenMessage: (roomId: string, messageId: string) => void;
  names: PeopleNames;
}) {
  const { ids } = usePinnedIds(roomId, loadIds);
  const count = ids?.length ?? 0;
  const label = count ? `Pinned messages (${count})` : "Pinned messages";
  return (
    <>
      <button type="button" className="ghost pins__button" onClick={() => onOpenChange(true)} aria-label={label} title={label}>
        <PinIcon />
        {count > 0 && <span className="badge badge--small pins__count" aria-hidden="true">{count}</span>}
      </button>
      {open && <PinnedList roomId={roomId} title={title} canPin={canPin} whoPins={whoPins} reloadKey={ids?.join(",")} onOpenChange={onOpenChange}
        onOpenMessage={onOpenMessage} names={names} />}
    </>
  );
}

/** The open list of pinned messages: its own component, so the clock re-renders it alone. */
function PinnedList({ roomId, title, canPin, whoPins, reloadKey, onOpenChange, onOpenMessage, names }: {
  roomId: string;
  title: string;
  canPin: boolean;
  whoPins: string;
  reloadKey: string | undefined;
  onOpenChange: (open: boolean) => void;
  onOpenMessage: (roomId: string, messageId: string) => void;
  names: PeopleNames;
}) {
  const now = useNow();
  const loadPins = useCallback(
    () => pinsApi.list(roomId).then((pins) => pins.map((p) => ({ roomId, message: p.message }))),
    [roomId],
  );
  return (
    <MessageListDialog title={`Pinned in ${title}`} empty={`Nothing is pinned here yet. ${canPin ? "Pin a message from its actions to keep it here for everyone." : `Only ${whoPins} pin messages here.`}`} load={loadPins} reloadKey={reloadKey}
      remove={canPin ? (item) => pinsApi.pin(roomId, item.message.id, false) : undefined} removeLabel="Unpin"
      onOpen={(id, messageId) => { onOpenChange(false); onOpenMessage(id, messageId); }} onClose={() => onOpenChange(false)}
      names={names} now={now} />
  );
}
