import type { Event } from "socket.io";
import type { EventBudget } from "./event-budget.js";
import { answer, type ChatSocket, type EventHandler, type HandlerDeps, type SocketHandlers } from "./handlers/handler.js";

/**
 * Every socket's events, handled by one table shared by all sockets: each connection gets a single
 * Socket.IO middleware (`socket.use`) that passes the event budget, then finds the event's handler.
 * Listeners of its own per socket (one closure per event per socket, and a listener table that
 * grows into a dictionary) were a large part of what an idle connection cost.
 */
export class SocketEvents {
  private readonly handlers = new Map<string, EventHandler>();

  constructor(
    groups: readonly SocketHandlers[],
    private readonly deps: HandlerDeps,
    private readonly budget: EventBudget | undefined,
  ) {
    for (const group of groups) {
      for (const [event, handle] of Object.entries(group)) {
        if (this.handlers.has(event)) throw new Error(`two handlers for socket event ${event}`);
        this.handlers.set(event, handle);
      }
    }
  }

  /** First: every event of the socket passes its budget, then its handler. */
  install(socket: ChatSocket): void {
    socket.use((packet, next) => this.receive(socket, packet, next));
  }

  /** The socket is gone (its budget's count is forgotten). */
  closed(socket: ChatSocket): void {
    this.budget?.forget(socket);
  }

  private receive(socket: ChatSocket, packet: Event, next: (err?: Error) => void): void {
    if (!this.budget) return this.dispatch(socket, packet, next);
    this.budget.admit(socket, () => this.dispatch(socket, packet, next));
  }

  private dispatch(socket: ChatSocket, packet: Event, next: (err?: Error) => void): void {
    const [event, payload, ack] = packet as unknown as [string, unknown, unknown];
    const handle = this.handlers.get(event);
    // Not ours: Socket.IO emits it as it would have (to no listener).
    if (!handle) return next();
    // As Socket.IO does for its listeners: nothing is handled for a socket that went away meanwhile.
    if (!socket.connected) return;
    answer(socket, this.deps, event, handle, payload, ack);
  }
}
