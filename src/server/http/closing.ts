import type { Server } from "node:http";

/** How long answers already on their way when the server closes may take before their connections are cut. */
export const CLOSE_GRACE_MS = 5_000;

/**
 * Waits for the HTTP server's close (`closed`), closing every connection as soon as it is idle.
 * Node closes the idle ones when the server stops listening, but one that is answering a request
 * at that moment stays open after its answer (keep-alive: Fastify's 72 s, renewed by every request
 * a browser sends on it, which is still answered), and the close waits for it: a page that kept
 * asking (it asks GET /me after each refused reconnection) held a closing server open without end.
 * Resolves true once closed, false if a connection is still busy after `graceMs` (to be cut).
 */
export async function closeWhenIdle(server: Server, closed: Promise<void>, graceMs = CLOSE_GRACE_MS): Promise<boolean> {
  const closeIdle = setInterval(() => server.closeIdleConnections(), 50);
  let grace: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      closed.then(() => true),
      new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(false), graceMs))),
    ]);
  } finally {
    clearInterval(closeIdle);
    clearTimeout(grace);
  }
}
