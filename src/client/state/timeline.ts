import type { ChatMessage } from "../../protocol/index.js";
import { dayKey } from "../lib/time.js";
import { isAfter } from "./ids.js";
import type { PendingMessage } from "./pending.js";

export interface Notice {
  id: string;
  text: string;
  /** Unix seconds, like message dates. */
  date: number;
}

export type TimelineItem =
  | { kind: "day"; key: string; date: number }
  | { kind: "divider"; key: string }
  | { kind: "message"; key: string; message: ChatMessage; continued: boolean }
  | { kind: "notice"; key: string; notice: Notice }
  | { kind: "pending"; key: string; pending: PendingMessage };

/** Two messages from one sender within five minutes are shown as one group. */
const GROUP_SECONDS = 300;

/**
 * What the message list shows, in order: day separators, the "new messages" divider before the
 * first message after `dividerAfterId` from someone else, messages, notices placed by time, and
 * this tab's pending messages at the end.
 */
export function buildTimeline(input: {
  messages: readonly ChatMessage[];
  notices?: readonly Notice[];
  pending?: readonly PendingMessage[];
  dividerAfterId: string | null;
  myId: number;
}): TimelineItem[] {
  const items: TimelineItem[] = [];
  const notices = [...(input.notices ?? [])].sort((a, b) => a.date - b.date);
  let n = 0;
  let lastDay = "";
  let dividerShown = input.dividerAfterId === null;
  let previous: ChatMessage | null = null;

  const day = (date: number) => {
    const key = dayKey(date);
    if (key !== lastDay) {
      lastDay = key;
      items.push({ kind: "day", key: `day-${key}`, date });
      previous = null;
    }
  };

  for (const message of input.messages) {
    while (n < notices.length && notices[n]!.date < message.date) {
      const notice = notices[n++]!;
      day(notice.date);
      items.push({ kind: "notice", key: `notice-${notice.id}`, notice });
      previous = null;
    }
    day(message.date);
    if (!dividerShown && isAfter(message.id, input.dividerAfterId) && message.from !== input.myId) {
      dividerShown = true;
      items.push({ kind: "divider", key: "divider" });
      previous = null;
    }
    const prev: ChatMessage | null = previous;
    const continued = prev !== null && prev.from === message.from && message.date - prev.date < GROUP_SECONDS;
    items.push({ kind: "message", key: message.id, message, continued });
    previous = message;
  }
  while (n < notices.length) {
    const notice = notices[n++]!;
    day(notice.date);
    items.push({ kind: "notice", key: `notice-${notice.id}`, notice });
  }
  for (const pending of input.pending ?? []) {
    day(Math.floor(pending.createdAt / 1000));
    items.push({ kind: "pending", key: `pending-${pending.clientId}`, pending });
  }
  return items;
}
