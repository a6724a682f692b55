import { useEffect, useSyncExternalStore } from "react";
import { MessageDeleted, PinsUpdated } from "../../protocol/index.js";

/**
 * Each room's pinned message ids as this tab last heard them: from `GET /room/:id/pins`, from the
 * answer to one's own pin or unpin, and live from `pins.updated` (someone else, on any instance)
 * and `message.deleted` (the delete script drops the pin of a deleted message without a
 * `pins.updated`). A room not heard of is absent and is loaded by the first view that needs it.
 */
const pinned = new Map<string, readonly string[]>();
const listeners = new Set<() => void>();
let version = 0;

function changed(): void {
  version++;
  for (const listener of listeners) listener();
}

export function setPinnedIds(roomId: string, ids: readonly string[]): void {
  pinned.set(roomId, ids);
  changed();
}

/** The socket's events as this module needs them (payloads parsed here, so listeners take unknown). */
interface EventSource {
  on(event: string, listener: (raw: unknown) => void): unknown;
  off(event: string, listener: (raw: unknown) => void): unknown;
}

/**
 * Keeps the pinned ids live from the chat socket; called once by the shell with its socket.
 * After a reconnect every room is forgotten, so its views load it again (what changed while
 * offline was not heard). Returns the function that stops listening.
 */
export function listenForPins(socket: EventSource): () => void {
  const onPins = (raw: unknown) => {
    const change = PinsUpdated.safeParse(raw);
    if (change.success) setPinnedIds(change.data.roomId, change.data.messageIds);
  };
  const onDeleted = (raw: unknown) => {
    const change = MessageDeleted.safeParse(raw);
    if (!change.success) return;
    const ids = pinned.get(change.data.roomId);
    if (ids?.includes(change.data.id)) setPinnedIds(change.data.roomId, ids.filter((id) => id !== change.data.id));
  };
  const onConnect = () => {
    if (pinned.size === 0) return;
    pinned.clear();
    changed();
  };
  socket.on("pins.updated", onPins);
  socket.on("message.deleted", onDeleted);
  socket.on("connect", onConnect);
  return () => {
    socket.off("pins.updated", onPins);
    socket.off("message.deleted", onDeleted);
    socket.off("connect", onConnect);
  };
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * The room's pinned ids (undefined until known), kept live; loads them with `load` when this tab
 * has not heard of the room yet. `version` changes with any room's pins (a cheap reload key).
 */
export function usePinnedIds(roomId: string, load: (roomId: string) => Promise<readonly string[]>): { ids: readonly string[] | undefined; version: number } {
  const current = useSyncExternalStore(subscribe, () => version);
  const ids = pinned.get(roomId);
  const known = ids !== undefined;
  useEffect(() => {
    if (known) return;
    let stale = false;
    load(roomId).then((loaded) => {
      // A live change that arrived meanwhile is newer than this answer.
      if (!stale && !pinned.has(roomId)) setPinnedIds(roomId, loaded);
    }, () => {});
    return () => {
      stale = true;
    };
  }, [roomId, known, load]);
  return { ids, version: current };
}

/**
 * Whether one message is pinned, as this tab knows (false until the room's pins are known: the
 * header's pins button loads them). A boolean snapshot, so a pin re-renders only the rows it changes.
 */
export function useIsPinned(roomId: string, messageId: string): boolean {
  return useSyncExternalStore(subscribe, () => pinned.get(roomId)?.includes(messageId) ?? false);
}

/** For tests: forget everything. */
export function resetPins(): void {
  pinned.clear();
  changed();
}
