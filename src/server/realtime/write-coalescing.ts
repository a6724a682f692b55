import type { Socket as NetSocket } from "node:net";

/** The parts of an engine.io connection this reaches into (engine.io 6). */
interface EngineConnection {
  flush(): void;
  transport?: { socket?: { _socket?: NetSocket } };
}

/**
 * Coalesces one connection's writes within a turn of the event loop into a single system call.
 *
 * engine.io writes each packet as soon as it is queued: a socket that gets several events in one
 * turn (the seed's one `user.connected` per user, one `message` per message) costs one `write`
 * each. Here the connection's flush waits for the end of the turn, and then writes everything
 * queued with the TCP socket corked, so the frames leave in one `writev`. Frames stay the seed's;
 * only the system calls are batched.
 */
export function coalesceWrites(conn: unknown): void {
  const engine = conn as EngineConnection;
  if (typeof engine.flush !== "function") return;
  const flushNow = engine.flush.bind(engine);
  let scheduled = false;
  engine.flush = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const tcp = engine.transport?.socket?._socket;
      tcp?.cork();
      try {
        flushNow();
      } finally {
        tcp?.uncork();
      }
    });
  };
}
