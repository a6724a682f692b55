import type { Server } from "socket.io";
import type { ChatMessage, PresenceUser, RoomSummary } from "../../protocol/index.js";
import { deliveryTargets, socketRooms } from "./socket-rooms.js";

/**
 * Delivers events to this instance's sockets. Seed-mode sockets get each event at once, as the
 * seed sends them. Batch-mode sockets get, per room, every message of a short flush window in one
 * frame (and presence changes coalesced per user): at high fan-out the cost of a delivery is a
 * WebSocket frame and a system call, so fewer, larger frames is what makes it fast.
 */
export class LocalDelivery {
  private readonly pendingMessages = new Map<string, ChatMessage[]>();
  private readonly pendingPresence = new Map<number, PresenceUser>();
  private messageTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;
  private lastMessageFlush = 0;

  constructor(
    private readonly io: Server,
    private readonly flushMs: number,
    private readonly presenceFlushMs: number,
  ) {}

  message(message: ChatMessage): void {
    this.io.to(deliveryTargets("seed", message.roomId)).emit("message", message);
    const queue = this.pendingMessages.get(message.roomId);
    if (queue) queue.push(message);
    else this.pendingMessages.set(message.roomId, [message]);
    this.scheduleMessageFlush();
  }

  /** `show.room` to the given users' sockets (the other member of a new private room). */
  showRoom(room: RoomSummary, userIds: number[]): void {
    for (const mode of ["seed", "batch"] as const) {
      this.io.to(userIds.map((id) => socketRooms.user(mode, id))).emit("show.room", room);
    }
  }

  presence(user: PresenceUser): void {
    this.io.to(socketRooms.everyone("seed")).emit(user.online ? "user.connected" : "user.disconnected", user);
    this.pendingPresence.set(user.id, user);
    this.presenceTimer ??= setTimeout(() => this.flushPresence(), this.presenceFlushMs);
  }

  /** Sends whatever is pending now (on shutdown). */
  flush(): void {
    this.flushMessages();
    this.flushPresence();
  }

  private scheduleMessageFlush(): void {
    if (this.messageTimer) return;
    // Leading edge: after a quiet spell the first message goes out on the next turn of the event
    // loop; under load, frames go out at most once per window.
    const wait = this.lastMessageFlush + this.flushMs - Date.now();
    this.messageTimer = wait <= 0 ? setImmediate(() => this.flushMessages()) : setTimeout(() => this.flushMessages(), wait);
  }

  private flushMessages(): void {
    if (this.messageTimer) {
      clearTimeout(this.messageTimer as NodeJS.Timeout);
      clearImmediate(this.messageTimer as NodeJS.Immediate);
      this.messageTimer = undefined;
    }
    this.lastMessageFlush = Date.now();
    for (const [roomId, messages] of this.pendingMessages) {
      this.io.to(deliveryTargets("batch", roomId)).emit("message.batch", { roomId, messages });
    }
    this.pendingMessages.clear();
  }

  private flushPresence(): void {
    clearTimeout(this.presenceTimer);
    this.presenceTimer = undefined;
    if (this.pendingPresence.size === 0) return;
    this.io.to(socketRooms.everyone("batch")).emit("presence.batch", { users: [...this.pendingPresence.values()] });
    this.pendingPresence.clear();
  }
}
