import type { Socket as NetSocket } from "node:net";

/** The listener engine.io 6 (server.js, WebSocketResponse) leaves on the TCP socket of each WebSocket upgrade. */
const ENGINE_RESPONSE_CLOSE = '() => this.emit("close")';

/**
 * Lets an accepted connection's upgrade request go. engine.io keeps it twice for the life of the
 * connection: as `conn.request` (Socket.IO's memory advice is to drop it once nothing needs it;
 * the gateway read the cookie during the handshake, and socket.handshake keeps the headers), and
 * through a `close` listener of its WebSocketResponse shim on the TCP socket, which re-emits
 * `close` to no one (it is there for HTTP middlewares such as pino-http, which see only the
 * upgrade). Together about a kilobyte per idle socket. Matching the listener by its text is
 * deliberate: with another engine.io it matches nothing and nothing changes.
 */
export function releaseUpgradeRequest(conn: unknown): void {
  const engine = conn as { request?: unknown; transport?: { socket?: { _socket?: NetSocket } } };
  engine.request = null;
  const tcp = engine.transport?.socket?._socket;
  if (!tcp) return;
  for (const listener of tcp.listeners("close")) {
    if (String(listener) === ENGINE_RESPONSE_CLOSE) tcp.removeListener("close", listener as () => void);
  }
}
