import type { ChatMessage, RoomChange } from "../../protocol/index.js";
import { applyChange } from "./actions.js";
import { compareMessageIds } from "./ids.js";

/**
 * A room's newest message as this tab knows it, kept apart from the window of history on screen:
 * after a permalink or a search result the room shows older messages, but the sidebar's time and
 * preview and the order of the chats stay those of what was said last.
 */

/**
 * The newer of `latest` and the newest of `messages` (the same message: its newer copy). `atEnd`
 * says the messages reach the room's end (a first page, a live message); a page from the middle
 * of history moves nothing while the room's newest message is unknown.
 */
export function laterMessage(latest: ChatMessage | null, messages: readonly ChatMessage[], atEnd: boolean): ChatMessage | null {
  if (!atEnd && latest === null) return latest;
  let newest = latest;
  for (const m of messages) if (newest === null || compareMessageIds(m.id, newest.id) >= 0) newest = m;
  return newest;
}

/**
 * The newest message after an edit, deletion, reaction or preview change. When it was deleted, the
 * one before it is the newest of `window` if the window reaches the end (`atEnd`), else unknown (null).
 */
export function latestAfterChange(latest: ChatMessage | null, change: RoomChange, window: readonly ChatMessage[], atEnd: boolean): ChatMessage | null {
  if (latest === null) return atEnd ? window[window.length - 1] ?? null : null;
  const [changed] = applyChange([latest], change);
  if (changed) return changed;
  return atEnd ? window[window.length - 1] ?? null : null;
}
