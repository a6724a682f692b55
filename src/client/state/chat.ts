import type { ChatMessage, PresenceUser, Reaction, RoomChange, RoomSummary, SessionUser, UserWithPresence } from "../../protocol/index.js";
import { GENERAL_ROOM_ID } from "../../protocol/index.js";
import { mergeMessages, newMessages, newestId } from "./messages.js";
import { compareMessageIds } from "./ids.js";
import {
  addPending, markFailed, markRetrying, markWaiting, removePending, settleByArrival, type PendingMap, type PendingMessage,
} from "./pending.js";
import { isPeopleAction, peopleReducer, type PeopleAction } from "./people.js";
import { detailsReducer, isDetailsAction, type DetailsAction, type DetailsSlice } from "./roomDetails.js";
import { listingFields, listingKnowsRead, newRoom, roomKind, type RoomListing, type RoomState } from "./rooms.js";
import { applyServerRead, countUnread, markRead, roomUnread } from "./unread.js";
import { applyChange, laterSeq, setReactions } from "./actions.js";
import { typingExpired, typingStarted, typingStopped, type TypingMap } from "./typing.js";
import { laterMessage, latestAfterChange } from "./latest.js";

export type ConnectionStatus = "connecting" | "online" | "offline";

/** A link into a room this person is not in: the room, and the message when it was a permalink. */
export interface RefusedLink {
  roomId: string;
  messageId?: string;
}

export interface ChatState {
  me: SessionUser;
  rooms: Readonly<Record<string, RoomState>>;
  users: Readonly<Record<number, UserWithPresence>>;
  pending: PendingMap;
  /** People banned while this tab was open (people.ts). */
  banned: readonly number[];
  /** Deactivated accounts known of, kept live (people.ts). */
  deactivated: readonly number[];
  /** Room details looked at (settings, members), kept live (roomDetails.ts). */
  details: DetailsSlice;
  /** The last room this user was taken out of, to say so once. */
  removedFrom: { title: string; reason: "left" | "removed" | "deleted" } | null;
  /** The address named a room this person is not in (a permalink to another room's message): said, not silently replaced. */
  refusedLink: RefusedLink | null;
  activeRoomId: string | null;
  /**
   * The open room, while its "new messages" divider waits for where reading stood and for its
   * first page (the page loaded onto it, or it was opened before either came): till then it is not
   * marked read, so the divider still finds the first unread message (see settleDivider).
   */
  dividerDue: string | null;
  visible: boolean;
  connection: ConnectionStatus;
  /** Set once the socket has been connected at least once, so the banner can say "reconnecting". */
  everConnected: boolean;
  /** Who is typing in which room, until when (see typing.ts). */
  typing: TypingMap;
}

export type ChatAction =
  /** `lastRead`: read marks saved in this browser, for servers that keep none (listings without `lastRead`). */
  | { type: "roomsLoaded"; rooms: RoomListing[]; lastRead: Record<string, string> }
  | { type: "roomAdded"; room: RoomListing }
  /**
   * The server's list again (after a reconnect or a resync): listed rooms are added or updated; named
   * rooms and groups it no longer lists are gone (General and one-to-one rooms stay: an empty
   * one-to-one room is not listed).
   */
  | { type: "roomsRefreshed"; rooms: RoomListing[] }
  /** This user is no longer in the room (left, removed, deleted): it goes, and so does its view. */
  | { type: "roomRemoved"; roomId: string; reason?: "left" | "removed" | "deleted"; title?: string }
  | { type: "removalSeen" }
  | { type: "roomUpdated"; roomId: string; name: string; topic: string; visibility: "open" | "closed" }
  /** Where reading stands on the server: `room.read` from another tab, or the answer to our PUT. */
  | { type: "readState"; roomId: string; lastRead: string | null; unread: number }
  | { type: "historyLoading"; roomId: string }
  | { type: "historyLoaded"; roomId: string; messages: ChatMessage[]; hasOlder: boolean }
  | { type: "historyFailed"; roomId: string; error: string }
  /** History around a message (newest first): the room shows that window instead, unless it reaches the end. */
  | { type: "historyAround"; roomId: string; messages: ChatMessage[]; hasOlder: boolean; hasNewer: boolean }
  /** Back from a window of older history: the newest page (newest first) replaces it. */
  | { type: "presentLoaded"; roomId: string; messages: ChatMessage[]; hasOlder: boolean }
  | { type: "newerLoading"; roomId: string }
  /** A page after the window's newest (oldest first); `hasNewer` false: the window reached the live end. */
  | { type: "newerLoaded"; roomId: string; messages: ChatMessage[]; hasNewer: boolean }
  | { type: "newerFailed"; roomId: string; error: string }
  /**
   * `live`: delivered by the socket as they were stored (not fetched: a catch-up or a page), so they
   * are news: a live message from someone typing ends their indicator.
   */
  | { type: "messagesArrived"; roomId: string; messages: ChatMessage[]; live?: boolean }
  | PeopleAction
  | DetailsAction
  | { type: "roomOpened"; roomId: string | null }
  /** The address's room is not one of this person's: `fallback` is shown instead, and the notice says why. */
  | ({ type: "linkRefused"; fallback: string | null } & RefusedLink)
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

export function initialChatState(me: SessionUser, activeRoomId: string | null, visible = true): ChatState {
  return {
    me,
    rooms: {},
    users: { [me.id]: { ...me, online: true } },
    pending: {},
    banned: [],
    deactivated: [],
    details: {},
    removedFrom: null,
    refusedLink: null,
    activeRoomId,
    dividerDue: activeRoomId,
    visible,
    connection: "connecting",
    everConnected: false,
    typing: {},
  };
}

export function unreadCount(state: ChatState, room: RoomState): number {
  return roomUnread(room, state.me.id);
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

/** Marks everything read when the reader is looking at the room (once its divider is placed). */
function readIfOpen(state: ChatState, room: RoomState): RoomState {
  if (!isReading(state, room.id) || state.dividerDue === room.id) return room;
  const newest = newestId(room.messages);
  return newest ? markRead(room, newest) : room;
}

function ensureRoom(state: ChatState, summary: RoomListing, lastRead: string | null, readOnFirstLoad: boolean): ChatState {
  const existing = state.rooms[summary.id];
  let room: RoomState;
  if (existing) {
    room = { ...existing, ...listingFields(summary) };
    if (existing.names.join("\u0000") !== summary.names.join("\u0000")) room.names = summary.names;
    if (!existing.readKnown && listingKnowsRead(summary)) room.readKnown = true;
    const same = room.names === existing.names && room.name === existing.name && room.kind === existing.kind
      && room.topic === existing.topic && room.visibility === existing.visibility && room.readKnown === existing.readKnown;
    if (same) room = existing;
  } else {
    // A server that keeps read state says so with `lastRead` (null: nothing read yet).
    const serverKnows = summary.lastRead !== undefined;
    room = newRoom(summary, serverKnows ? summary.lastRead ?? null : lastRead, serverKnows ? false : readOnFirstLoad);
  }
  if (summary.lastRead !== undefined) room = applyServerRead(room, summary.lastRead, summary.unread ?? 0);
  return room === existing ? state : { ...state, rooms: { ...state.rooms, [summary.id]: readIfOpen(state, room) } };
}

/**
 * Messages into a room: `live` ones (sent, delivered, caught up after the window's end) are the
 * room's newest; a page of older history (`live` false) is only while the window reaches the end.
 */
function arrive(state: ChatState, roomId: string, messages: ChatMessage[], settle = true, live = true): ChatState {
  const known = state.rooms[roomId] ?? newRoom({ id: roomId, names: [] }, null, false);
  const latest = laterMessage(known.latest, messages, live || !known.hasNewer);
  const room = latest === known.latest ? known : { ...known, latest };
  const all = newMessages(room.messages, messages);
  // A window of older history takes no messages past its end: they come with its newer pages.
  const end = room.hasNewer ? newestId(room.messages) : null;
  const fresh = end === null ? all : all.filter((m) => compareMessageIds(m.id, end) <= 0);
  if (fresh.length === 0) {
    const settled = settle && all.length > 0 ? settleByArrival(state.pending, state.me.id, all) : state.pending;
    if (state.rooms[roomId] === room && settled === state.pending) return state;
    return { ...state, pending: settled, rooms: { ...state.rooms, [roomId]: room } };
  }
  const merged = readIfOpen(state, { ...room, messages: mergeMessages(room.messages, fresh) });
  return {
    ...state,
    rooms: { ...state.rooms, [roomId]: merged },
    pending: settle ? settleByArrival(state.pending, state.me.id, all) : state.pending,
  };
}

/**
 * The open room's "new messages" divider, once where reading stood and the room's first page are
 * both known (in either order: the page loaded onto the room before its read state came, or a
 * message brought the room before its listing): above the first unread message, if any. Then the
 * room is read, as any open room is; later messages are read as they come, with no divider.
 */
function settleDivider(state: ChatState): ChatState {
  const roomId = state.dividerDue;
  if (roomId === null) return state;
  if (roomId !== state.activeRoomId) return { ...state, dividerDue: null };
  const room = state.rooms[roomId];
  if (!room || !room.readKnown || !room.loaded) return state;
  const settled: ChatState = { ...state, dividerDue: null };
  const dividerAfterId = roomUnread(room, state.me.id) > 0 ? room.lastReadId ?? "0" : null;
  return { ...settled, rooms: { ...state.rooms, [roomId]: readIfOpen(settled, { ...room, dividerAfterId }) } };
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  const next = reduce(state, action);
  return next.dividerDue === null ? next : settleDivider(next);
}

function reduce(state: ChatState, action: ChatAction): ChatState {
  if (isPeopleAction(action)) {
    const slice = peopleReducer(state, action, state.me.id);
    return slice.users === state.users && slice.banned === state.banned && slice.deactivated === state.deactivated ? state : { ...state, ...slice };
  }
  if (isDetailsAction(action)) {
    const details = detailsReducer(state.details, action);
    const next = details === state.details ? state : { ...state, details };
    // Members come with whether they are deactivated or banned: that seeds the marks on their names.
    const members = action.type === "detailsLoaded" ? action.details.members : action.type === "memberAdded" ? [action.event.member] : [];
    return members.length === 0 ? next : chatReducer(chatReducer(next, { type: "deactivationSeen", users: members }), { type: "bansSeen", users: members });
  }
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
    case "roomsRefreshed": {
      let next = state;
      for (const listing of action.rooms) next = ensureRoom(next, listing, null, false);
      const listed = new Set(action.rooms.map((r) => r.id));
      for (const room of Object.values(next.rooms)) {
        const kind = roomKind(room);
        if (!listed.has(room.id) && (kind === "room" || kind === "group")) next = chatReducer(next, { type: "roomRemoved", roomId: room.id });
      }
      return next;
    }
    case "roomRemoved": {
      if (!state.rooms[action.roomId]) return state;
      const { [action.roomId]: _gone, ...rooms } = state.rooms;
      const pending = Object.fromEntries(Object.entries(state.pending).filter(([, p]) => p.roomId !== action.roomId));
      const { [action.roomId]: _details, ...details } = state.details;
      const removedFrom = action.reason && action.reason !== "left" && action.title ? { title: action.title, reason: action.reason } : state.removedFrom;
      return { ...state, rooms, pending, details, removedFrom, activeRoomId: state.activeRoomId === action.roomId ? null : state.activeRoomId };
    }
    case "removalSeen":
      return state.removedFrom || state.refusedLink ? { ...state, removedFrom: null, refusedLink: null } : state;
    case "linkRefused":
      return {
        ...chatReducer(state, { type: "roomOpened", roomId: action.fallback }),
        refusedLink: { roomId: action.roomId, ...(action.messageId ? { messageId: action.messageId } : {}) },
      };
    case "roomUpdated":
      return withRoom(state, action.roomId, (room) =>
        room.name === action.name && room.topic === action.topic && room.visibility === action.visibility
          ? room
          : { ...room, name: action.name, topic: action.topic, visibility: action.visibility });
    case "readState":
      return withRoom(state, action.roomId, (room) => {
        const read = applyServerRead(room, action.lastRead, action.unread);
        return readIfOpen(state, read.readKnown ? read : { ...read, readKnown: true });
      });

    case "historyLoading":
      return withRoom(state, action.roomId, (room) =>
        room.loadingOlder ? room : { ...room, loadingOlder: true, historyError: null });

    case "historyLoaded": {
      const before = state.rooms[action.roomId];
      if (!before) return state;
      const next = arrive(state, action.roomId, action.messages, true, false);
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
    case "historyAround": {
      const room = state.rooms[action.roomId];
      if (!room) return state;
      const sorted = [...action.messages].sort((a, b) => compareMessageIds(a.id, b.id));
      // Reaching the live end: the window joins what is loaded (both end there, so no gap).
      const messages = action.hasNewer ? sorted : mergeMessages(room.messages, sorted);
      return withRoom(state, action.roomId, () => ({
        ...room, messages, latest: laterMessage(room.latest, sorted, !action.hasNewer), loaded: true, loadingOlder: false, hasOlder: action.hasOlder,
        hasNewer: action.hasNewer, loadingNewer: false, historyError: null,
      }));
    }
    case "presentLoaded":
      return withRoom(state, action.roomId, (room) => readIfOpen(state, {
        ...room, messages: [...action.messages].sort((a, b) => compareMessageIds(a.id, b.id)),
        latest: laterMessage(room.latest, action.messages, true), loaded: true,
        loadingOlder: false, hasOlder: action.hasOlder, hasNewer: false, loadingNewer: false, historyError: null,
      }));
    case "newerLoading":
      return withRoom(state, action.roomId, (room) => (room.loadingNewer ? room : { ...room, loadingNewer: true }));
    case "newerLoaded":
      return withRoom(state, action.roomId, (room) => readIfOpen(state, {
        ...room, messages: mergeMessages(room.messages, action.messages), latest: laterMessage(room.latest, action.messages, !action.hasNewer),
        hasNewer: action.hasNewer, loadingNewer: false,
      }));
    case "newerFailed":
      return withRoom(state, action.roomId, (room) => ({ ...room, loadingNewer: false, historyError: action.error }));

    case "messagesArrived": {
      const next = arrive(state, action.roomId, action.messages);
      if (!action.live) return next;
      // Only live messages end indicators: fetched ones (a first page, a catch-up) may be older than
      // the typing they would end. Every live one counts, even one a catch-up fetched first.
      let typing = next.typing;
      for (const m of action.messages) typing = typingStopped(typing, action.roomId, m.from);
      return typing === next.typing ? next : { ...next, typing };
    }

    case "roomOpened": {
      if (action.roomId === state.activeRoomId) return state;
      const rooms = { ...state.rooms };
      const leaving = state.activeRoomId ? rooms[state.activeRoomId] : undefined;
      if (leaving) rooms[leaving.id] = { ...leaving, dividerAfterId: null };
      // Placed at once when the room's read state and first page are in, else when they come.
      return { ...state, activeRoomId: action.roomId, dividerDue: action.roomId, rooms };
    }
    case "visibility": {
      if (action.visible === state.visible) return state;
      const next = { ...state, visible: action.visible };
      const active = next.activeRoomId ? next.rooms[next.activeRoomId] : undefined;
      // A divider still due is placed with the room's first page (settleDivider), not here.
      if (!active || !action.visible || next.dividerDue === active.id) return next;
      // What came while the tab was away starts under the divider: one from opening the room, above
      // what was read since, moves down to it.
      const unread = roomUnread(active, state.me.id);
      const dividerAfterId = active.lastReadId ?? "0";
      const divided = unread > 0 && active.dividerAfterId !== dividerAfterId ? { ...active, dividerAfterId } : active;
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
        const latest = latestAfterChange(room.latest, change, messages, !room.hasNewer);
        return messages === room.messages && cursor === room.changeCursor && latest === room.latest
          ? room : { ...room, messages, latest, changeCursor: cursor };
      });
    }
    case "changesCaughtUp":
      return withRoom(state, action.roomId, (room) => {
        let messages = room.messages;
        let latest = room.latest;
        for (const change of action.changes) {
          if (change.roomId !== room.id) continue;
          messages = applyChange(messages, change);
          latest = latestAfterChange(latest, change, messages, !room.hasNewer);
        }
        return { ...room, messages, latest, changeCursor: laterSeq(room.changeCursor, action.cursor) };
      });
    case "roomReloadNeeded":
      return withRoom(state, action.roomId, (room) => ({
        ...room, messages: [], loaded: false, loadingOlder: false, hasOlder: true, hasNewer: false, loadingNewer: false, historyError: null, changeCursor: null,
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
