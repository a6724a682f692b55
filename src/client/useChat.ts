import { useCallback, useEffect, useReducer, useRef, type Dispatch } from "react";
import { rememberAvatarUrls } from "./lib/avatarPictures.js";
import {
  clearSignedOutNotice, noticeFromServer, noticeWithoutReason, rememberSignedOutHere, rememberSignedOutNotice, signedOutNotice,
} from "./lib/signedOutNotice.js";
import { onSessionGone } from "./lib/sessionGone.js";
import {
  ChatMessage, MessageBatch, MessageText, PresenceBatch, PresenceUser, SESSION_ENDED_NOTICES, SessionEndedNotice,
  Resync, RoomSummary, SignInFirst, parsePrivateRoomId, privateRoomId,
  type Attachment, type SessionGone, type SessionUser, type UserWithPresence,
} from "../protocol/index.js";
import { ApiError, api } from "./api.js";
import { hashForRoom, messageFromHash, roomOfHash } from "./lib/route.js";
import { isPhoneLayout } from "./layout.js";
import { connectSocket, joinRoom, type ChatSocket } from "./socket.js";
import { chatReducer, initialChatState, type ChatAction, type ChatState } from "./state/chat.js";
import { compareMessageIds } from "./state/ids.js";
import { newClientId } from "./state/pending.js";
import type { PeopleNames } from "./lib/peopleNames.js";
import { useBrowserSync } from "./useBrowserSync.js";
import { listenForMessageActions, useMessageActions, type MessageActions } from "./useMessageActions.js";
import { listenToRoomEvents } from "./roomEvents.js";
import { useReadSync } from "./useReadSync.js";
import { announceLiveMessages, beforeSignOut } from "./notifications/bus.js";
import { announcePresence } from "./profile/bus.js";
import { listenForPins } from "./pins/live.js";
import { useOutbox } from "./useOutbox.js";
import { CATCH_UP_SIZE, CatchUpCursors, catchUpRoom as catchUpFromCursor } from "./lib/catchUp.js";

export const PAGE_SIZE = 30;

/** A catch-up that failed this way is tried again (network, 5xx, 429); 401/403/404 end it. */
function retryable(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status === 0 || error.status === 429 || error.status >= 500;
}

export interface ChatController extends MessageActions {
  state: ChatState;
  openRoom(roomId: string | null): void;
  loadOlder(roomId: string): void;
  /** A window of older history: its next newer page (see RoomState.hasNewer). */
  loadNewer(roomId: string): void;
  /** Loads history around a message not loaded yet; resolves false when the room has no such message. */
  loadAround(roomId: string, messageId: string): Promise<boolean>;
  /** From a window of older history back to the newest page. */
  goToPresent(roomId: string): void;
  /** `attachments`: uploaded files the message carries (`text`, their caption, may then be ""). */
  send(roomId: string, text: string, replyTo?: string, attachments?: Attachment[]): void;
  retry(clientId: string): void;
  openPrivateWith(user: UserWithPresence): Promise<void>;
  logout(): Promise<void>;
  /** For hooks that build on the controller (useRoomActions): the reducer's dispatch. */
  dispatch: Dispatch<ChatAction>;
  /** A person's shown name; someone this tab does not know yet is fetched (search results, pins). */
  nameOf(id: number): string;
  /** Names for lists outside the loaded rooms (pins, saved messages, search): senders fetched in one request. */
  names: PeopleNames;
  /** Fetches a room's first page (a room just created or joined). */
  loadRoom(roomId: string): void;
}

function initialRoom(): string | null {
  // A permalink opens its room at once (ChatApp then scrolls to its message).
  return roomOfHash(location.hash) ?? (isPhoneLayout() ? null : "0");
}

export function useChat(me: SessionUser, onSignedOut: () => void): ChatController {
  const [state, dispatch] = useReducer(chatReducer, me, (user) =>
    initialChatState(user, initialRoom(), document.visibilityState !== "hidden"));
  const stateRef = useRef(state);
  stateRef.current = state;
  const socketRef = useRef<ChatSocket | null>(null);
  const loading = useRef(new Set<string>());
  const epoch = useRef(0);
  const cursors = useRef(new CatchUpCursors());
  const signedOut = useRef(onSignedOut);
  signedOut.current = onSignedOut;
  // Every Avatar finds people's pictures in one place (lib/avatarPictures.ts).
  useEffect(() => rememberAvatarUrls(Object.values(state.users)), [state.users]);
  // Signed in again: an earlier "deactivated" notice is stale.
  useEffect(clearSignedOutNotice, []);
  const messageActions = useMessageActions(socketRef, stateRef, dispatch, state.typing);
  const { readChangeCursor, catchUpChanges } = messageActions;

  /**
   * The session is gone, found out by a request or a refused reconnection rather than told by
   * `session.ended` (the page was offline or asleep when it ended, or it was never heard): back to
   * the sign-in form, saying why when the server said (`ended`). A reason already given stands
   * (a `session.ended`, this tab's own "Sign out everywhere"); once this page has left the chat
   * (its own sign-out, or unmounted), a stray 401 is not news.
   */
  const left = useRef(false);
  const began = useRef(Date.now());
  useEffect(() => {
    left.current = false;
    return () => void (left.current = true);
  }, []);
  const sessionGone = useCallback((ended: SessionGone | undefined) => {
    if (left.current) return;
    left.current = true;
    const who = { id: me.id, username: me.username };
    if (!signedOutNotice()) rememberSignedOutNotice((ended && noticeFromServer(ended, who)) || noticeWithoutReason(who, began.current));
    signedOut.current();
  }, [me.id, me.username]);
  // Any request of the page answered 401 with the reason (see api.ts).
  useEffect(() => onSessionGone(sessionGone), [sessionGone]);

  const failed = useCallback((error: unknown): string => {
    if (error instanceof ApiError && error.status === 401) sessionGone(error.ended);
    return error instanceof Error ? error.message : String(error);
  }, [sessionGone]);

  /** Catches `roomId` up from its cursor (see lib/catchUp.ts), retrying with backoff until it succeeds. */
  const catchUpRoom = useCallback((roomId: string, current: () => boolean) =>
    catchUpFromCursor(roomId, current, {
      cursors: cursors.current,
      fetchAfter: (id, after) => api.after(id, after, CATCH_UP_SIZE),
      arrived: (id, page) => {
        if (page.length) dispatch({ type: "messagesArrived", roomId: id, messages: page });
      },
      retryable,
      gaveUp: (_id, error) => void failed(error),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    }), [failed]);
  /** A round of catch-ups (a connection, a resync): every listed room, from its cursor. */
  const catchUpAll = useCallback(() => {
    const { rooms, current } = cursors.current.begin();
    for (const [roomId] of rooms) void catchUpRoom(roomId, current);
  }, [catchUpRoom]);

  /** The next page back in time (the first page when nothing is loaded yet). */
  const loadPage = useCallback(async (roomId: string) => {
    // The room may be dispatched but not rendered yet (right after roomsLoaded): then it is empty.
    const room = stateRef.current.rooms[roomId];
    if (loading.current.has(roomId) || (room?.loaded && !room.hasOlder)) return;
    const wasLoaded = room?.loaded ?? false;
    loading.current.add(roomId);
    const startedIn = epoch.current;
    dispatch({ type: "historyLoading", roomId });
    try {
      if (!wasLoaded) await readChangeCursor(roomId);
      const oldest = room?.hasNewer ? room.messages[0] : undefined;
      if (oldest) {
        // A window of older history has no offset from the newest message: page on around its oldest.
        const page = await api.around(roomId, oldest.id, 2 * PAGE_SIZE + 1);
        const older = page.filter((m) => compareMessageIds(m.id, oldest.id) < 0).length;
        dispatch({ type: "historyLoaded", roomId, messages: page, hasOlder: older >= PAGE_SIZE });
        return;
      }
      const page = await api.page(roomId, room?.messages.length ?? 0, PAGE_SIZE);
      if (!wasLoaded) cursors.current.heardOf(roomId, page);
      dispatch({ type: "historyLoaded", roomId, messages: page, hasOlder: page.length === PAGE_SIZE });
      // The socket (re)connected while this page was on its way: fetch what was said in between.
      const newest = page[0]?.id;
      if (!wasLoaded && startedIn !== epoch.current && newest) {
        cursors.current.rewind(roomId, newest);
        await catchUpRoom(roomId, cursors.current.currentRound());
      }
    } catch (error) {
      dispatch({ type: "historyFailed", roomId, error: failed(error) });
    } finally {
      loading.current.delete(roomId);
    }
  }, [catchUpRoom, failed, readChangeCursor]);

  const refreshRooms = useCallback(async (afterReconnect: boolean) => {
    const rooms = await api.rooms(me.id);
    const known = stateRef.current.rooms;
    if (afterReconnect && Object.keys(known).length > 0) {
      // New rooms, names and read state that moved meanwhile; rooms left or removed meanwhile go.
      dispatch({ type: "roomsRefreshed", rooms });
    } else {
      // Read marks come from the server with each room (`lastRead`, `unread`).
      dispatch({ type: "roomsLoaded", rooms, lastRead: {} });
    }
    return rooms;
  }, [me.id]);

  // Session start: rooms, who is online, first pages (the open room first).
  useEffect(() => {
    let cancelled = false;
    // A reload on a private room that has no messages yet: it is not listed, so open it again.
    const restoreOpenRoom = async (rooms: RoomSummary[]) => {
      const active = stateRef.current.activeRoomId;
      if (active === null || rooms.some((r) => r.id === active)) return;
      const members = parsePrivateRoomId(active);
      const other = members && members.includes(me.id) ? members.find((id) => id !== me.id) : undefined;
      const room = other === undefined ? null : await api.openPrivateRoom(me.id, other).catch(() => null);
      if (room) {
        dispatch({ type: "roomAdded", room });
        if (socketRef.current) joinRoom(socketRef.current, room.id);
      } else {
        // Not a room of theirs (the server answers 403): say so rather than silently show General.
        const messageId = messageFromHash(location.hash)?.messageId;
        history.replaceState(null, "", hashForRoom(null));
        dispatch({ type: "linkRefused", roomId: active, ...(messageId ? { messageId } : {}), fallback: isPhoneLayout() ? null : "0" });
      }
    };
    const loadFirstPages = async (rooms: RoomSummary[]) => {
      const active = stateRef.current.activeRoomId;
      const order = [...rooms].sort((a, b) => Number(b.id === active) - Number(a.id === active));
      for (let i = 0; i < order.length; i += 4) {
        if (cancelled) return;
        await Promise.all(order.slice(i, i + 4).map((r) => loadPage(r.id)));
      }
    };
    (async () => {
      for (let attempt = 0; !cancelled; attempt++) {
        try {
          // Myself too, though my socket may not be counted online yet: the header shows my picture.
          const [rooms, online, mine] = await Promise.all([refreshRooms(false), api.online(), api.users([me.id]).catch(() => [])]);
          if (cancelled) return;
          dispatch({ type: "usersLoaded", users: [...mine.map((u) => ({ ...u, online: true })), ...online] });
          await restoreOpenRoom(rooms);
          await loadFirstPages(rooms);
          return;
        } catch (error) {
          failed(error);
          if (error instanceof ApiError && error.status === 401) return;
          await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 10_000)));
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [me.id, refreshRooms, loadPage, failed]);

  // The socket: live messages, presence, new rooms, and catching up after every (re)connect.
  useEffect(() => {
    const socket = connectSocket();
    socketRef.current = socket;
    let connectedBefore = false;

    const onMessages = (roomId: string, messages: ChatMessage[]) => {
      cursors.current.heardOf(roomId, messages);
      if (!stateRef.current.rooms[roomId]) void addRoom({ id: roomId, names: [] }, false);
      dispatch({ type: "messagesArrived", roomId, messages, live: true });
      announceLiveMessages(roomId, messages);
    };
    const addRoom = async (room: RoomSummary, join: boolean) => {
      dispatch({ type: "roomAdded", room });
      if (join) joinRoom(socket, room.id);
      if (room.names.length === 0) {
        const rooms = await api.rooms(me.id).catch(() => []);
        const found = rooms.find((r) => r.id === room.id);
        if (found) dispatch({ type: "roomAdded", room: found });
      }
    };

    socket.on("connect", () => {
      epoch.current++;
      dispatch({ type: "connection", status: "online" });
      const rooms = stateRef.current.rooms;
      // Rooms loaded while no connection was open enter as at a break; then catch every listed room up.
      cursors.current.broke(Object.values(rooms).filter((room) => room.loaded).map((room) => room.id));
      catchUpAll();
      if (connectedBefore) {
        void catchUpChanges();
        void refreshRooms(true).then((list) => {
          for (const r of list) if (!rooms[r.id]) void loadPage(r.id);
        }, failed);
        void api.online().then((users) => dispatch({ type: "onlineSnapshot", users }), failed);
      }
      connectedBefore = true;
    });
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    socket.on("disconnect", (reason) => {
      // A server shutting down disconnects us on purpose, and Socket.IO leaves it at that:
      // try again (a refused handshake then tells whether the session is still there).
      if (reason === "io server disconnect") retryTimer = setTimeout(() => socket.connect(), 500 + Math.random() * 1000);
      // Remember where each room stood, before anything else can arrive (see CatchUpCursors).
      cursors.current.broke(Object.values(stateRef.current.rooms).filter((room) => room.loaded).map((room) => room.id));
      dispatch({ type: "connection", status: "offline" });
    });
    // The session ended (signed out in another tab or elsewhere, or ended by an administrator): back
    // to the sign-in form, which says why; unsent messages (the outbox) and drafts stay in
    // localStorage for this account until the person is back.
    socket.on("session.ended", (raw) => {
      const notice = SessionEndedNotice.safeParse(raw);
      const said = notice.success ? noticeFromServer(notice.data, me) : null;
      // This tab's own "Sign out everywhere" said so already: its socket's "signed out" is not news.
      if (said && !(said.code === "signed-out" && signedOutNotice()?.code === "signed-out-everywhere")) rememberSignedOutNotice(said);
      socket.removeAllListeners();
      socket.disconnect();
      signedOut.current();
    });
    socket.on("connect_error", (err) => {
      dispatch({ type: "connection", status: "offline" });
      // Refused for want of a session: it is gone (ended while this page was away), and the server says why.
      const refused = SignInFirst.safeParse((err as { data?: unknown }).data);
      if (refused.success) {
        socket.removeAllListeners();
        socket.disconnect();
        sessionGone(refused.data.ended);
        return;
      }
      // Another refusal (an older server's says no more) may mean the session is gone too.
      api.me().then((user) => { if (!user) sessionGone(undefined); }, () => {});
      // A refusal by the server (not a network error) is not retried by Socket.IO itself.
      if (!socket.active) {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => socket.connect(), 2000 + Math.random() * 1000);
      }
    });
    socket.on("message.batch", (raw) => {
      const batch = MessageBatch.safeParse(raw);
      if (batch.success) onMessages(batch.data.roomId, batch.data.messages);
    });
    socket.on("message", (raw) => {
      const message = ChatMessage.safeParse(raw);
      if (message.success) onMessages(message.data.roomId, [message.data]);
    });
    // Presence merges into people already known; the others are fetched whole (display name,
    // picture), so a person coming online never shows as a bare username.
    const presence = (users: PresenceUser[]) => {
      announcePresence(users);
      dispatch({ type: "presence", users, at: Date.now() });
      const unknown = users.filter((u) => !stateRef.current.users[u.id]).map((u) => u.id);
      if (unknown.length > 0) {
        // Should the fetch fail, the person is listed from what presence carries rather than not at all.
        const bare = users.filter((u) => unknown.includes(u.id));
        api.users(unknown).then((found) => dispatch({ type: "usersLoaded", users: found }), () => dispatch({ type: "usersLoaded", users: bare }));
      }
    };
    socket.on("presence.batch", (raw) => {
      const batch = PresenceBatch.safeParse(raw);
      if (batch.success) presence(batch.data.users);
    });
    const onPresence = (raw: unknown) => {
      const user = PresenceUser.safeParse(raw);
      if (user.success) presence([user.data]);
    };
    socket.on("user.connected", onPresence);
    socket.on("user.disconnected", onPresence);
    // The server's pub/sub subscription broke for a while: what it may not have passed on is in
    // history. Catch every loaded room up from the time it names, and refresh rooms and presence.
    socket.on("resync", (raw) => {
      const resync = Resync.safeParse(raw);
      if (!resync.success) return;
      for (const room of Object.values(stateRef.current.rooms)) {
        if (room.loaded) cursors.current.rewind(room.id, resync.data.since);
      }
      catchUpAll();
      void catchUpChanges();
      void refreshRooms(true).then((list) => {
        for (const r of list) if (!stateRef.current.rooms[r.id]) void loadPage(r.id);
      }, failed);
      void api.online().then((users) => dispatch({ type: "onlineSnapshot", users }), failed);
    });
    listenForMessageActions(socket, dispatch);
    // Back online (the network returned, the laptop woke): try now, not after the backoff or an
    // attempt started while offline timing out (20 s), so a session ended meanwhile is heard of at once.
    const onOnline = () => {
      if (socket.connected) return;
      socket.disconnect();
      socket.connect();
    };
    window.addEventListener("online", onOnline);
    // The network went away (the browser says so): a WebSocket notices only at its next missed
    // heartbeat, up to 45 s later, the header saying "Online" and sends "Sending…" meanwhile.
    // Closed now, the page says it is offline at once and reconnects when the network is back.
    const onOffline = () => {
      if (socket.connected) socket.io.engine?.close();
    };
    window.addEventListener("offline", onOffline);
    const stopPins = listenForPins(socket as unknown as Parameters<typeof listenForPins>[0]);
    socket.on("show.room", (raw) => {
      const room = RoomSummary.safeParse(raw);
      if (room.success) {
        void addRoom(room.data, true);
        void loadPage(room.data.id);
      }
    });
    const stopRoomEvents = listenToRoomEvents(socket, dispatch, {
      state: () => stateRef.current,
      onAdded: (roomId) => void loadPage(roomId),
      onBannedMe: () => {
        // The ban's own session.ended normally came first (with the reason); if not, say it anyway.
        if (signedOutNotice()?.code !== "banned") {
          rememberSignedOutNotice({ text: SESSION_ENDED_NOTICES.banned, code: "banned", userId: me.id, username: me.username });
        }
        socket.removeAllListeners();
        socket.disconnect();
        signedOut.current();
      },
    });
    return () => {
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
      stopRoomEvents();
      stopPins();
      clearTimeout(retryTimer);
      socket.removeAllListeners();
      socket.disconnect();
      socketRef.current = null;
    };
  }, [me.id, me.username, catchUpAll, loadPage, refreshRooms, failed, sessionGone, catchUpChanges]);

  // Open room: make sure its first page is there.
  const active = state.activeRoomId ? state.rooms[state.activeRoomId] : undefined;
  useEffect(() => {
    if (active && !active.loaded && !active.loadingOlder) void loadPage(active.id);
  }, [active, loadPage]);

  const { nameOf, names } = useBrowserSync(state, dispatch, failed);
  useReadSync(state, dispatch);

  const openRoom = useCallback((roomId: string | null) => {
    if (roomId === stateRef.current.activeRoomId) return;
    if (roomId === null && history.state && (history.state as { room?: string }).room) {
      history.back();
      return;
    }
    if (roomId === null) history.replaceState(null, "", hashForRoom(null));
    else history.pushState({ room: roomId }, "", hashForRoom(roomId));
    dispatch({ type: "roomOpened", roomId });
  }, []);

  // Sending goes through the outbox (useOutbox): queued, in order, never dropped.
  useOutbox(state, dispatch, socketRef);

  const send = useCallback((roomId: string, text: string, replyTo?: string, attachments?: Attachment[]) => {
    const withFiles = attachments !== undefined && attachments.length > 0;
    if (!(withFiles && text === "") && !MessageText.safeParse(text).success) return;
    const clientId = newClientId();
    dispatch({ type: "sendStarted", pending: {
      clientId, roomId, text, status: "pending", createdAt: Date.now(), ...(replyTo ? { replyTo } : {}), ...(withFiles ? { attachments } : {}),
    } });
    messageActions.sent(roomId);
  }, [messageActions.sent]);

  const retry = useCallback((clientId: string) => {
    const pending = stateRef.current.pending[clientId];
    if (!pending || pending.status !== "failed") return;
    dispatch({ type: "sendRetried", clientId });
  }, []);

  const loadOlder = useCallback((roomId: string) => void loadPage(roomId), [loadPage]);

  const loadingNewer = useRef(new Set<string>());
  const loadNewer = useCallback(async (roomId: string) => {
    const room = stateRef.current.rooms[roomId];
    const newest = room?.messages[room.messages.length - 1];
    if (!room?.hasNewer || !newest || loadingNewer.current.has(roomId)) return;
    loadingNewer.current.add(roomId);
    dispatch({ type: "newerLoading", roomId });
    try {
      const page = await api.after(roomId, newest.id, PAGE_SIZE);
      const hasNewer = page.length === PAGE_SIZE;
      dispatch({ type: "newerLoaded", roomId, messages: page, hasNewer });
      if (!hasNewer) {
        // Live messages were left out while the window was short of the end: fetch any stored meanwhile.
        const last = page[page.length - 1]?.id ?? newest.id;
        const rest = await api.after(roomId, last, CATCH_UP_SIZE);
        if (rest.length) dispatch({ type: "messagesArrived", roomId, messages: rest });
      }
    } catch (error) {
      dispatch({ type: "newerFailed", roomId, error: failed(error) });
    } finally {
      loadingNewer.current.delete(roomId);
    }
  }, [failed]);

  const goToPresent = useCallback(async (roomId: string) => {
    try {
      const page = await api.page(roomId, 0, PAGE_SIZE);
      dispatch({ type: "presentLoaded", roomId, messages: page, hasOlder: page.length === PAGE_SIZE });
    } catch (error) {
      dispatch({ type: "historyFailed", roomId, error: failed(error) });
    }
  }, [failed]);

  const loadAround = useCallback(async (roomId: string, messageId: string) => {
    const size = 2 * PAGE_SIZE + 1;
    try {
      const wasLoaded = stateRef.current.rooms[roomId]?.loaded ?? false;
      if (!wasLoaded) await readChangeCursor(roomId);
      const page = await api.around(roomId, messageId, size);
      const older = page.filter((m) => compareMessageIds(m.id, messageId) < 0).length;
      const newer = page.filter((m) => compareMessageIds(m.id, messageId) > 0).length;
      // Fewer than half the page after it: the page reaches the newest message.
      dispatch({ type: "historyAround", roomId, messages: page, hasOlder: older >= PAGE_SIZE, hasNewer: newer >= PAGE_SIZE });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return false;
      throw error;
    }
  }, [readChangeCursor]);

  const openPrivateWith = useCallback(async (user: UserWithPresence) => {
    if (user.id === me.id) return;
    // Someone known only from the People directory: the conversation's title wears their display
    // name (and picture) at once, not the username the room's names carry.
    if (!stateRef.current.users[user.id]) dispatch({ type: "usersLoaded", users: [user] });
    const roomId = privateRoomId(me.id, user.id);
    if (!stateRef.current.rooms[roomId]) {
      const room = await api.openPrivateRoom(me.id, user.id).catch((error: unknown) => {
        failed(error);
        throw error;
      });
      dispatch({ type: "roomAdded", room });
      if (socketRef.current) joinRoom(socketRef.current, room.id);
    }
    openRoom(roomId);
  }, [me.id, openRoom, failed]);

  const logout = useCallback(async () => {
    // Signing out oneself: requests still on their way and answered 401 say nothing.
    left.current = true;
    socketRef.current?.removeAllListeners();
    socketRef.current?.disconnect();
    await beforeSignOut();
    await api.logout().catch(() => undefined);
    rememberSignedOutHere();
    history.replaceState(null, "", location.pathname);
    signedOut.current();
  }, []);

  return { state, openRoom, loadOlder, loadNewer: (roomId: string) => void loadNewer(roomId), loadAround,
    goToPresent: (roomId: string) => void goToPresent(roomId), send, retry, openPrivateWith, logout, ...messageActions.actions, dispatch, loadRoom: loadOlder, nameOf, names };
}
