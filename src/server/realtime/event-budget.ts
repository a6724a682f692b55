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
 * Installed once per connection with `socket.use`, so every handler group is covered.
 *
 * Returns the installer, or a no-op when the budget is off (0).
 */
export function eventBudget(config: Pick<Config, "socketEventBudget" | "socketEventWindowMs">, log: Logger): (socket: ChatSocket) => void {
  const points = config.socketEventBudget;
  if (points <= 0) return () => {};
  const limiter = new RateLimiterMemory({ points, duration: config.socketEventWindowMs / 1000 });
  const closing: ConnectionClosing = {
    reason: "event-budget",
    message: `Too many events: at most ${points} per ${config.socketEventWindowMs / 1000} s per connection. Disconnected.`,
  };
  return (socket) => {
    let exceeded = false;
    socket.use((_packet, next) => {
      if (exceeded) return;
      limiter.consume(socket.id).then(
        () => next(),
        () => {
          if (exceeded) return;
          exceeded = true;
          log.warn({ userId: socket.data.user?.id, budget: points }, "disconnecting a socket over its event budget");
          socket.emit(CONNECTION_CLOSING_EVENT, closing);
          // Closing flushes what is queued (the notice) before the connection ends.
          socket.disconnect(true);
        },
      );
    });
    socket.once("disconnect", () => void limiter.delete(socket.id).catch(() => {}));
  };
}
