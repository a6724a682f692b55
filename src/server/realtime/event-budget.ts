import { RateLimiterMemory } from "rate-limiter-flexible";
import { CONNECTION_CLOSING_EVENT, type ConnectionClosing } from "../../protocol/index.js";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { ChatSocket } from "./handlers/handler.js";

/**
 * A budget of events per socket: SOCKET_EVENT_BUDGET events per SOCKET_EVENT_WINDOW_MS, counted in
 * this process's memory before any handler runs, refused and malformed events included (each
 * costs the server work: parsing, a membership check, a Redis lookup). A socket that exceeds it is
 * told why (`connection.closing`) and disconnected; nothing it sent past the budget is handled.
 * Checked by the gateway's one event dispatcher (socket-events.ts) for every event of every handler
 * group. A socket that sends nothing costs nothing here: the limiter's entry is made by its first event.
 */
export interface EventBudget {
  /** Calls `pass` once the event fits the socket's budget; past it, closes the socket (once) and never calls it. */
  admit(socket: ChatSocket, pass: () => void): void;
  /** The socket is gone: its count is forgotten. */
  forget(socket: ChatSocket): void;
}

/** The budget, or undefined when it is off (0). */
export function eventBudget(config: Pick<Config, "socketEventBudget" | "socketEventWindowMs">, log: Logger): EventBudget | undefined {
  const points = config.socketEventBudget;
  if (points <= 0) return undefined;
  const limiter = new RateLimiterMemory({ points, duration: config.socketEventWindowMs / 1000 });
  const closing: ConnectionClosing = {
    reason: "event-budget",
    message: `Too many events: at most ${points} per ${config.socketEventWindowMs / 1000} s per connection. Disconnected.`,
  };
  return {
    admit(socket, pass) {
      if (socket.data.overBudget) return;
      limiter.consume(socket.id).then(pass, () => {
        if (socket.data.overBudget) return;
        socket.data.overBudget = true;
        log.warn({ userId: socket.data.user?.id, budget: points }, "disconnecting a socket over its event budget");
        socket.emit(CONNECTION_CLOSING_EVENT, closing);
        // Closing flushes what is queued (the notice) before the connection ends.
        socket.disconnect(true);
      });
    },
    forget(socket) {
      void limiter.delete(socket.id).catch(() => {});
    },
  };
}
