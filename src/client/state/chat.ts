import type { ChatMessage, PresenceUser, Reaction, RoomChange, RoomSummary, SessionUser, UserWithPresence } from "../../protocol/index.js";
import { GENERAL_ROOM_ID } from "../../protocol/index.js";
import { mergeMessages, newMessages, newestId } from "./messages.js";
import {
  addPending, markFailed, markRetrying, markWaiting, removePending, settleByArrival, type PendingMap, type PendingMessage,
} from "./pending.js";
import { newRoom, type RoomState } from "./rooms.js";
import type { Notice } from "./timeline.js";
import { countUnread } from "./unread.js";
import { applyChange, laterSeq, setReactions } from "./actions.js";
import { typingExpired, typingStarted, typingStopped, type TypingMap } from "./typing.js";

export type ConnectionStatus = "connecting" | "online" | "offline";

export interface ChatState {
  me: SessionUser;
  rooms: Readonly<Record<string, RoomState>>;
  users: Readonly<Record<number, UserWithPresence>>;
  pending: PendingMap;
  /** "X joined" / "X left", shown in General. */
  notices: readonly Notice[];
  activeRoomId: string | null;
  visible: boolean;
  connection: ConnectionStatus;
  /** Set once the socket has been connected at least once, so the banner can say "reconnecting". */
  everConnected: boolean;
  /** Who is typing in which room, until when (see typing.ts). */
  typing: TypingMap;
}

export type ChatAction =
  | { type: "roomsLoaded"; rooms: RoomSummary[]; lastRead: Record<string, string> }
  | { type: "roomAdded"; room: RoomSummary }
  | { type: "historyLoading"; roomId: string }
  | { type: "historyLoaded"; roomId: string; messages: ChatMessage[]; hasOlder: boolean }
  | { type: "historyFailed"; roomId: string; error: string }
  | { type: "messagesArrived"; roomId: string; messages: ChatMessage[] }
  | { type: "usersLoaded"; users: UserWithPresence[] }
  /** The full list of who is online now: everyone else known is offline. No notices. */
  | { type: "onlineSnapshot"; users: UserWithPresence[] }
  | { type: "presence"; users: PresenceUser[]; at: number }
  | { type: "roomOpened"; roomId: string | null }
  | { type: "visibility"; visible: boolean }
  | { type: "connection"; status: ConnectionStatus }
  | { type: "sendStarted"; pending: PendingMessage }
  | { type: "sendSucceeded"; clientId: string; message: ChatMessage }
  | { type: "sendFailed"; clientId: string; error: string }
  | { type: "sendRetried"; clientId: string }
  // Message actions (edits, deletions, reactions, typing): see actions.ts and typing.ts.
  /** A change to a stored message, live or caught up; advances the room's change cursor. */
  | { type: "roomChanged"; change: RoomChange }
  /** The change log read from `cursor` on (after a reconnect), or the cursor to start from. */
  | { type: "changesCaughtUp"; roomId: string; changes: RoomChange[]; cursor: string }
  /** The change log no longer reaches back far enough: reload the room's history from scratch. */
  | { type: "roomReloadNeeded"; roomId: string }
  /** My own reaction toggled before the server answers (its answer or event then settles it). */
  | { type: "reactionsSet"; roomId: string; id: string; reactions: Reaction[] }
  | { type: "typing"; roomId: string; userId: number; at: number }
  | { type: "typingTick"; at: number }
  /** Not stored yet, to be sent again at `retryAt` (ms): rate-limited, or no answer came. */
  | { type: "sendDeferred"; clientId: string; retryAt: number; why: "rate-limit" | "no-answer" }
  /** Messages kept from an earlier session or tab (localStorage), to be sent now. */
  | { type: "outboxRestored"; pending: PendingMap };

const MAX_NOTICES = 50;

export function initialChatState(me: SessionUser, activeRoomId: string | null, visible = true): ChatState {
  return {
    me,
    rooms: {},
    users: { [me.id]: { ...me, online: true } },
    pending: {},
    notices: [],
    activeRoomId,
    visible,
    connection: "connecting",
    everConnected: false,
    typing: {},
  };
}

export function unreadCount(state: ChatState, room: RoomState): number {
  return countUnread(room.messages, room.lastReadId, state.me.id);
}

/** Unread messages that mention me (the sidebar's separate mention badge). */
export function unreadMentionCount(state: ChatState, room: RoomState): number {
  const me = state.me.id;
  return countUnread(room.messages.filter((m) => m.mentions?.includes(me)), room.lastReadId, me);
}

function isReading(state: ChatState, roomId: string): boolean {
  return state.activeRoomId === roomId && state.visible;
}

function withRoom(state: ChatState, roomId: string, update: (room: RoomState) => RoomState): ChatState {
  const room = state.rooms[roomId];
  if (!room) return state;
  const next = update(room);
  return next === room ? state : { ...state, rooms: { ...state.rooms, [roomId]: next } };
}

/** Marks everything read when the reader is looking at the room. */
function readIfOpen(state: ChatState, room: RoomState): RoomState {
  if (!isReading(state, room.id)) return room;
  const newest = newestId(room.messages);
  return newest && newest !== room.lastReadId ? { ...room, lastReadId: newest } : room;
}

function ensureRoom(state: ChatState, summary: RoomSummary, lastRead: string | null, readOnFirstLoad: boolean): ChatState {
  const existing = state.rooms[summary.id];
  if (existing) {
    if (existing.names.join("\u0000") === summary.names.join("\u0000")) return state;
    return { ...state, rooms: { ...state.rooms, [summary.id]: { ...existing, names: summary.names } } };
  }
  return { ...state, rooms: { ...state.rooms, [summary.id]: newRoom(summary, lastRead, readOnFirstLoad) } };
}

function arrive(state: ChatState, roomId: string, messages: ChatMessage[], settle = true): ChatState {
  const room = state.rooms[roomId] ?? newRoom({ id: roomId, names: [] }, null, false);
  const fresh = newMessages(room.messages, messages);
  if (fresh.length === 0) return state.rooms[roomId] ? state : { ...state, rooms: { ...state.rooms, [roomId]: room } };
  const merged = readIfOpen(state, { ...room, messages: mergeMessages(room.messages, fresh) });
  let typing = state.typing;
  for (const m of fresh) typing = typingStopped(typing, roomId, m.from);
  return {
    ...state,
    typing,
    rooms: { ...state.rooms, [roomId]: merged },
    pending: settle ? settleByArrival(state.pending, state.me.id, fresh) : state.pending,
  };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "roomsLoaded": {
      let next = state;
      for (const summary of action.rooms) {
        const saved = action.lastRead[summary.id] ?? null;
        next = ensureRoom(next, summary, saved, saved === null);
      }
      return next;
    }
    case "roomAdded":
      return ensureRoom(state, action.room, null, false);

    case "historyLoading":
      return withRoom(state, action.roomId, (room) =>
        room.loadingOlder ? room : { ...room, loadingOlder: true, historyError: null });

    case "historyLoaded": {
      const before = state.rooms[action.roomId];
      if (!before) return state;
      const next = arrive(state, action.roomId, action.messages);
      return withRoom(next, action.roomId, (room) => {
        let updated: RoomState = { ...room, loaded: true, loadingOlder: false, hasOlder: action.hasOlder };
        if (room.readOnFirstLoad) {
          updated = { ...updated, readOnFirstLoad: false, lastReadId: newestId(updated.messages) ?? room.lastReadId };
        }
        return readIfOpen(next, updated);
      });
    }
    case "historyFailed":
      return withRoom(state, action.roomId, (room) => ({ ...room, loadingOlder: false, historyError: action.error }));

    case "messagesArrived":
      return arrive(state, action.roomId, action.messages);

    case "usersLoaded": {
      if (action.users.length === 0) return state;
      const users = { ...state.users };
      for (const u of action.users) users[u.id] = u;
      return { ...state, users };
    }
    case "onlineSnapshot": {
      const users: Record<number, UserWithPresence> = {};
      for (const u of Object.values(state.users)) users[u.id] = u.id === state.me.id ? u : { ...u, online: false };
      for (const u of action.users) users[u.id] = u;
      return { ...state, users };
    }
    case "presence": {
      const users = { ...state.users };
      const notices: Notice[] = [];
      for (const u of action.users) {
        const before = users[u.id];
        users[u.id] = { id: u.id, username: u.username, online: u.online };
        if (u.id === state.me.id || before?.online === u.online) continue;
        notices.push({ id: `${action.at}-${u.id}-${u.online ? "in" : "out"}`, text: `${u.username} ${u.online ? "joined" : "left"}`, date: Math.floor(action.at / 1000) });
      }
      return { ...state, users, notices: notices.length ? [...state.notices, ...notices].slice(-MAX_NOTICES) : state.notices };
    }
    case "roomOpened": {
      if (action.roomId === state.activeRoomId) return state;
      let rooms = { ...state.rooms };
      const leaving = state.activeRoomId ? rooms[state.activeRoomId] : undefined;
      if (leaving) rooms[leaving.id] = { ...leaving, dividerAfterId: null };
      const next: ChatState = { ...state, activeRoomId: action.roomId, rooms };
      const opening = action.roomId ? rooms[action.roomId] : undefined;
      if (!opening) return next;
      const unread = countUnread(opening.messages, opening.lastReadId, state.me.id);
      const withDivider = { ...opening, dividerAfterId: unread > 0 ? opening.lastReadId ?? "0" : null };
      rooms = { ...rooms, [opening.id]: readIfOpen(next, withDivider) };
      return { ...next, rooms };
    }
    case "visibility": {
      if (action.visible === state.visible) return state;
      const next = { ...state, visible: action.visible };
      const active = next.activeRoomId ? next.rooms[next.activeRoomId] : undefined;
      if (!active || !action.visible) return next;
      const unread = countUnread(active.messages, active.lastReadId, state.me.id);
      const divided = unread > 0 && active.dividerAfterId === null ? { ...active, dividerAfterId: active.lastReadId ?? "0" } : active;
      return withRoom(next, active.id, () => readIfOpen(next, divided));
    }
    case "connection":
      if (action.status === state.connection) return state;
      return { ...state, connection: action.status, everConnected: state.everConnected || action.status === "online" };

    case "sendStarted":
      return { ...state, pending: addPending(state.pending, action.pending) };
    case "sendSucceeded": {
      // Settled by its own clientId: another entry with the same words stays pending.
      const settled = { ...state, pending: removePending(state.pending, action.clientId) };
      return arrive(settled, action.message.roomId, [action.message], false);
    }
    case "sendFailed":
      return { ...state, pending: markFailed(state.pending, action.clientId, action.error) };
    case "sendRetried":
      return { ...state, pending: markRetrying(state.pending, action.clientId) };

    case "roomChanged": {
      const { change } = action;
      return withRoom(state, change.roomId, (room) => {
        const messages = applyChange(room.messages, change);
        const cursor = laterSeq(room.changeCursor, change.seq);
        return messages === room.messages && cursor === room.changeCursor ? room : { ...room, messages, changeCursor: cursor };
      });
    }
    case "changesCaughtUp":
      return withRoom(state, action.roomId, (room) => {
        let messages = room.messages;
        for (const change of action.changes) if (change.roomId === room.id) messages = applyChange(messages, change);
        return { ...room, messages, changeCursor: laterSeq(room.changeCursor, action.cursor) };
      });
    case "roomReloadNeeded":
      return withRoom(state, action.roomId, (room) => ({
        ...room, messages: [], loaded: false, loadingOlder: false, hasOlder: true, historyError: null, changeCursor: null,
      }));
    case "reactionsSet":
      return withRoom(state, action.roomId, (room) => {
        const messages = setReactions(room.messages, action.id, action.reactions);
        return messages === room.messages ? room : { ...room, messages };
      });
    case "typing":
      if (action.userId === state.me.id) return state;
      return { ...state, typing: typingStarted(state.typing, action.roomId, action.userId, action.at) };
    case "typingTick": {
      const typing = typingExpired(state.typing, action.at);
      return typing === state.typing ? state : { ...state, typing };
    }
    case "sendDeferred":
      return { ...state, pending: markWaiting(state.pending, action.clientId, action.retryAt, action.why) };
    case "outboxRestored": {
      let pending = state.pending;
      for (const entry of Object.values(action.pending)) if (!pending[entry.clientId]) pending = addPending(pending, entry);
      return pending === state.pending ? state : { ...state, pending };
    }
  }
}

export { GENERAL_ROOM_ID };
