import type { IncomingMessage } from "node:http";

/**
 * Refuses Socket.IO handshakes that a browser makes from another origin. Browsers send the session
 * cookie with a WebSocket handshake whatever page opened it (SameSite=Lax stops other sites, not
 * another port of the same host), and WebSockets are not subject to CORS, so without this check any
 * page on a sibling origin could chat as the signed-in user. Requests without an Origin header
 * (non-browser clients, which hold the cookie themselves) are let through.
 */
export function originCheck(options: { allowedOrigins: string[]; trustProxy: boolean }) {
  const allowed = new Set(options.allowedOrigins.map((origin) => origin.replace(/\/$/, "")));
  return (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    const origin = req.headers.origin;
    if (origin === undefined || allowed.has(origin)) return callback(null, true);
    const forwardedHost = options.trustProxy ? req.headers["x-forwarded-host"] : undefined;
    const host = (Array.isArray(forwardedHost) ? forwardedHost[0] : forwardedHost?.split(",")[0]?.trim()) ?? req.headers.host;
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    const sameOrigin = originHost !== undefined && host !== undefined && originHost === host;
    callback(sameOrigin ? null : "origin not allowed", sameOrigin);
  };
}
