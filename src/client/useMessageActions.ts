import { useCallback, useEffect, useRef, type Dispatch, type MutableRefObject } from "react";
import {
  MessageDeleted, MessageText, MessageUpdated, PreviewsUpdated, ReactionUpdated, TYPING_SERVER_MIN_INTERVAL_MS, TYPING_THROTTLE_MS, Typing,
} from "../protocol/index.js";
import { api } from "./api.js";
import { deleteMessage, editMessage, react, sendTyping, type ChatSocket } from "./socket.js";
import { hasReacted, toggleReaction } from "./state/actions.js";
import type { ChatAction, ChatState } from "./state/chat.js";
import { nextTypingExpiry, shouldSendTyping } from "./state/typing.js";

/** Rounds of change-log pages read per room in one catch-up (100 changes each). */
const MAX_CHANGE_PAGES = 20;

/** Live changes to stored messages and typing, from the socket into the reducer. */
export function listenForMessageActions(socket: ChatSocket, dispatch: Dispatch<ChatAction>): void {
  socket.on("message.updated", (raw) => {
    const change = MessageUpdated.safeParse(raw);
    if (change.success) dispatch({ type: "roomChanged", change: change.data });
  });
  socket.on("message.deleted", (raw) => {
    const change = MessageDeleted.safeParse(raw);
    if (change.success) dispatch({ type: "roomChanged", change: change.data });
  });
  socket.on("reaction.updated", (raw) => {
    const change = ReactionUpdated.safeParse(raw);
    if (change.success) dispatch({ type: "roomChanged", change: change.data });
  });
  socket.on("previews.updated", (raw) => {
    const change = PreviewsUpdated.safeParse(raw);
    if (change.success) dispatch({ type: "roomChanged", change: change.data });
  });
  socket.on("typing", (raw) => {
    const typing = Typing.safeParse(raw);
    if (typing.success) dispatch({ type: "typing", roomId: typing.data.roomId, userId: typing.data.userId, at: Date.now() });
  });
}

export interface MessageActions {
  edit(roomId: string, id: string, text: string): Promise<void>;
  remove(roomId: string, id: string): Promise<void>;
  toggleReaction(roomId: string, id: string, emoji: string): void;
  /** The person typed in the composer of this room (throttled here). */
  typing(roomId: string): void;
}

/**
 * Edit, delete, react and typing, plus reading each room's change log: its cursor before the
 * room's first page (so nothing that changes while the page travels is missed), and the changes
 * after it whenever the socket comes back.
 */
export function useMessageActions(
  socketRef: MutableRefObject<ChatSocket | null>,
  stateRef: MutableRefObject<ChatState>,
  dispatch: Dispatch<ChatAction>,
  typingMap: ChatState["typing"],
) {
  const lastTyping = useRef(new Map<string, number>());

  // Typing indicators go away by themselves: re-render when the next one expires.
  useEffect(() => {
    const next = nextTypingExpiry(typingMap);
    if (next === null) return;
    const timer = setTimeout(() => dispatch({ type: "typingTick", at: Date.now() }), Math.max(0, next - Date.now()) + 20);
    return () => clearTimeout(timer);
  }, [typingMap, dispatch]);

  /** The room's change-log cursor now; call before loading its first page. Older servers have none. */
  const readChangeCursor = useCallback(async (roomId: string) => {
    const page = await api.changes(roomId, null).catch(() => null);
    if (page) dispatch({ type: "changesCaughtUp", roomId, changes: [], cursor: page.cursor });
  }, [dispatch]);

  /** Applies what changed in each loaded room since its cursor (after a reconnect or a resync). */
  const catchUpChanges = useCallback(async () => {
    const rooms = Object.values(stateRef.current.rooms).filter((r) => r.loaded && r.changeCursor);
    await Promise.all(rooms.map(async (room) => {
      let since = room.changeCursor!;
      for (let round = 0; round < MAX_CHANGE_PAGES; round++) {
        const page = await api.changes(room.id, since).catch(() => null);
        if (!page) return;
        if (!page.complete) {
          // Changes were lost to us: the room's history is loaded again from scratch.
          dispatch({ type: "roomReloadNeeded", roomId: room.id });
          return;
        }
        dispatch({ type: "changesCaughtUp", roomId: room.id, changes: page.changes, cursor: page.cursor });
        if (!page.more) return;
        since = page.cursor;
      }
    }));
  }, [stateRef, dispatch]);

  const actions: MessageActions = {
    edit: useCallback(async (roomId: string, id: string, text: string) => {
      if (!MessageText.safeParse(text).success) throw new Error("A message cannot be empty");
      if (!socketRef.current) throw new Error("Not connected");
      const message = await editMessage(socketRef.current, { roomId, id, message: text });
      dispatch({ type: "roomChanged", change: { type: "message.updated", seq: "0", roomId, message } });
    }, [socketRef, dispatch]),
    remove: useCallback(async (roomId: string, id: string) => {
      if (!socketRef.current) throw new Error("Not connected");
      await deleteMessage(socketRef.current, { roomId, id });
      dispatch({ type: "roomChanged", change: { type: "message.deleted", seq: "0", roomId, id } });
    }, [socketRef, dispatch]),
    toggleReaction: useCallback((roomId: string, id: string, emoji: string) => {
      const state = stateRef.current;
      const message = state.rooms[roomId]?.messages.find((m) => m.id === id);
      const s = socketRef.current;
      if (!message || !s) return;
      const add = !hasReacted(message, emoji, state.me.id);
      const before = message.reactions ?? [];
      dispatch({ type: "reactionsSet", roomId, id, reactions: toggleReaction(before, emoji, state.me.id) });
      react(s, { roomId, id, emoji }, add).then(
        (reactions) => dispatch({ type: "reactionsSet", roomId, id, reactions }),
        () => dispatch({ type: "reactionsSet", roomId, id, reactions: before }),
      );
    }, [stateRef, socketRef, dispatch]),
    typing: useCallback((roomId: string) => {
      const s = socketRef.current;
      const now = Date.now();
      // Not while disconnected: a typing event dropped then would still hold back the next one.
      if (!s?.connected || !shouldSendTyping(lastTyping.current.get(roomId), now, TYPING_THROTTLE_MS)) return;
      lastTyping.current.set(roomId, now);
      sendTyping(s, roomId);
    }, [socketRef]),
  };
  /**
   * A sent message ends the indicator for others, so the next message's typing may be announced
   * sooner: as soon as the server forwards one again (TYPING_SERVER_MIN_INTERVAL_MS after the last).
   */
  const sent = useCallback((roomId: string) => {
    const last = lastTyping.current.get(roomId);
    if (last !== undefined) lastTyping.current.set(roomId, last - (TYPING_THROTTLE_MS - TYPING_SERVER_MIN_INTERVAL_MS));
  }, []);

  return { actions, readChangeCursor, catchUpChanges, sent };
}
