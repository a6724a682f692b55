import { useEffect, useRef, type Dispatch } from "react";
import { api } from "./api.js";
import type { ChatAction, ChatState } from "./state/chat.js";
import { readToSend } from "./state/unread.js";

/** How long reading settles before the mark is sent: scrolling through a burst sends once. */
const SEND_AFTER_MS = 400;

/**
 * Sends each room's read mark to the server (`PUT /room/:id/read`) when this tab moved it past
 * what the server has; the answer (and `room.read` from other tabs) comes back as `readState`.
 */
export function useReadSync(state: ChatState, dispatch: Dispatch<ChatAction>): void {
  const inFlight = useRef(new Map<string, string>());
  const marks = Object.values(state.rooms)
    .map((room) => [room.id, readToSend(room)] as const)
    .filter((e): e is readonly [string, string] => e[1] !== null);
  const key = marks.map(([id, mark]) => `${id}=${mark}`).join(",");

  useEffect(() => {
    if (!key || state.connection !== "online") return;
    const send = (keepalive: boolean) => {
      for (const [roomId, messageId] of marks) {
        if (inFlight.current.get(roomId) === messageId) continue;
        inFlight.current.set(roomId, messageId);
        api.markRead(roomId, messageId, keepalive).then(
          (answer) => dispatch({ type: "readState", roomId: answer.roomId, lastRead: answer.lastRead, unread: answer.unread }),
          // Not kept (a seed server, a room just left): the badge is still right here; the next read sends again.
          () => {},
        ).finally(() => {
          if (inFlight.current.get(roomId) === messageId) inFlight.current.delete(roomId);
        });
      }
    };
    const timer = setTimeout(() => send(false), SEND_AFTER_MS);
    // A tab hidden or closed before reading settles would lose its mark: send it now.
    const sendNow = () => {
      clearTimeout(timer);
      send(true);
    };
    const sendIfHidden = () => {
      if (document.visibilityState === "hidden") sendNow();
    };
    document.addEventListener("visibilitychange", sendIfHidden);
    window.addEventListener("pagehide", sendNow);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", sendIfHidden);
      window.removeEventListener("pagehide", sendNow);
    };
    // `marks` is described by `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, state.connection, dispatch]);
}
