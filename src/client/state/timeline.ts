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
 *
 * With older history still to come (`hasOlder`), the oldest loaded message is not shown: it is only
 * what the next one is grouped with (whether it continues a run, starts a day), so that no row
 * shown changes when an older page arrives above it (a row losing its sender's header or its day
 * separator would move everything below it: a scroll jump). While the unread divider's place is
 * not known yet (every loaded message is unread, and it goes before the first from someone else),
 * what comes up to that message waits too: the divider must not move once shown.
 */
export function buildTimeline(input: {
  messages: readonly ChatMessage[];
  notices?: readonly Notice[];
  pending?: readonly PendingMessage[];
  dividerAfterId: string | null;
  myId: number;
  hasOlder?: boolean;
}): TimelineItem[] {
  const items = allItems(input);
  if (!input.hasOlder) return items;
  const first = input.messages[0];
  const dividerUnsettled = first !== undefined && input.dividerAfterId !== null && isAfter(first.id, input.dividerAfterId);
  let cut = items.findIndex((item) => item.kind === "message"
    && (!dividerUnsettled || item.message.from !== input.myId));
  if (cut < 0) cut = items.findIndex((item) => item.kind === "message");
  return cut < 0 ? items : items.slice(cut + 1);
}

/** Whether the list opens at the top of what is loaded: every message loaded is unread, so the first unread is above. */
export function unreadAboveLoaded(input: { messages: readonly ChatMessage[]; dividerAfterId: string | null; myId: number; hasOlder?: boolean }): boolean {
  const first = input.messages[0];
  return Boolean(input.hasOlder) && first !== undefined && input.dividerAfterId !== null && isAfter(first.id, input.dividerAfterId)
    && input.messages.some((m) => m.from !== input.myId);
}

function allItems(input: {
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
