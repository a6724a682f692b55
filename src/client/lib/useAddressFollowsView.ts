import { useEffect, useRef } from "react";
import { hashForRoom, messageFromHash } from "./route.js";

/** How close to the end of the conversation counts as back at the newest messages (px). */
const AT_END_PX = 48;

/**
 * The address follows what is shown: a message opened (permalink, search result, notification)
 * keeps its permalink in the address, so a reload shows it again, until the reader has scrolled
 * back to the newest messages and it is out of sight; then the address is the room's. Switching
 * rooms sets the room's address already (useChat.openRoom). `openedAt` changes with each message
 * opened, so the newest permalink is the one watched.
 */
export function useAddressFollowsView(roomId: string | null, windowIsOlderHistory: boolean, openedAt: unknown): void {
  // Only the reader's own scrolling counts: a room opening at its end (before the list has gone to
  // the message, after a reload on the permalink) is not "back at the present". Kept while newer
  // pages load, so the scroll that reached the end still counts.
  const moved = useRef(false);
  useEffect(() => {
    moved.current = false;
  }, [roomId, openedAt]);

  useEffect(() => {
    const target = messageFromHash(location.hash);
    if (roomId === null || !target || target.roomId !== roomId || windowIsOlderHistory) return;
    const check = () => {
      const list = document.querySelector<HTMLElement>(".messages");
      if (!moved.current || !list) return;
      if (list.scrollHeight - list.scrollTop - list.clientHeight > AT_END_PX) return;
      const row = list.querySelector(`li[data-id="${CSS.escape(target.messageId)}"]`);
      if (row) {
        const seen = list.getBoundingClientRect();
        const box = row.getBoundingClientRect();
        if (box.bottom > seen.top && box.top < seen.bottom) return;
      }
      if (messageFromHash(location.hash)?.messageId === target.messageId) history.replaceState(history.state, "", hashForRoom(roomId));
    };
    const onInput = () => {
      moved.current = true;
      requestAnimationFrame(check);
    };
    const onScroll = (event: Event) => {
      if (event.target instanceof HTMLElement && event.target.classList.contains("messages")) check();
    };
    const inputs = ["wheel", "touchmove", "keydown", "pointerdown"] as const;
    for (const type of inputs) document.addEventListener(type, onInput, { capture: true, passive: true });
    // Scroll events do not bubble: listened for on the way down.
    document.addEventListener("scroll", onScroll, true);
    check();
    return () => {
      for (const type of inputs) document.removeEventListener(type, onInput, { capture: true });
      document.removeEventListener("scroll", onScroll, true);
    };
  }, [roomId, windowIsOlderHistory, openedAt]);
}
