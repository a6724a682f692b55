import { compareMessageIds, type ChatMessage } from "../../../protocol/index.js";
import type { Messages } from "../../domain/messages.js";
import type { Logger } from "../../logger.js";

/** Most messages a new private room can have before its members' instances hear of it. */
const OPENING_HISTORY = 100;
/** How long a room opened here is remembered, so that its `show.room` heard twice opens it once. */
const REOPEN_AFTER_MS = 10_000;

/**
 * A private room's first message is published on the room's channel, which no other instance holds
 * yet (a room of two is never subscribed before it exists); they hear of the room on its members'
 * own channels (`show.room`) a moment later, subscribe, and would have missed the first messages.
 * So an instance that opens a room reads its history once it hears the room, and delivers it with
 * what arrives meanwhile: while the room is opening, the room's messages (live or sent here) are
 * held back, then the history and the held ones go out once each, in id order.
 */
export class OpeningRooms {
  /** roomId -> messages held back while its history is read. */
  private readonly opening = new Map<string, ChatMessage[]>();

  constructor(
    private readonly messages: Messages,
    private readonly deliver: (message: ChatMessage) => void,
    private readonly log: Logger,
  ) {}

  /** roomId -> when it was opened here, for REOPEN_AFTER_MS (then forgotten). */
  private readonly openedAt = new Map<string, number>();

  /**
   * True when the room is opening or was opened here lately: its `show.room` came twice (both mode:
   * on MESSAGES from the store script, and on the members' channels) and the second is dropped.
   */
  openedLately(roomId: string): boolean {
    const now = Date.now();
    for (const [id, at] of this.openedAt) {
      if (now - at < REOPEN_AFTER_MS) break;
      this.openedAt.delete(id);
    }
    return this.openedAt.has(roomId);
  }

  /** True when `message` is held back (its room is opening); it goes out with the room's history. */
  holdBack(message: ChatMessage): boolean {
    const held = this.opening.get(message.roomId);
    if (!held) return false;
    held.push(message);
    return true;
  }

  /**
   * Opens the room here: holds its messages back, runs `subscribe` (hear the room's channel, then
   * show the room to its members' sockets), reads its history and delivers it with what was held.
   */
  async open(roomId: string, subscribe: () => Promise<void>): Promise<void> {
    if (this.opening.has(roomId)) return;
    this.openedAt.set(roomId, Date.now());
    const held: ChatMessage[] = [];
    this.opening.set(roomId, held);
    let history: ChatMessage[] = [];
    try {
      await subscribe();
      history = (await this.messages.page(roomId, 0, OPENING_HISTORY)).reverse();
    } catch (err) {
      this.log.warn({ err: String(err), roomId }, "could not read a new private room's first messages; its members catch up on their own");
    } finally {
      this.opening.delete(roomId);
    }
    const byId = new Map<string, ChatMessage>();
    for (const message of [...history, ...held]) if (!byId.has(message.id)) byId.set(message.id, message);
    for (const message of [...byId.values()].sort((a, b) => compareMessageIds(a.id, b.id))) this.deliver(message);
  }
}
