import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { allowedOriginSet, originAllowed } from "../http/origin-guard.js";

/**
 * Refuses Socket.IO handshakes that a browser makes from another origin. Browsers send the session
 * cookie with a WebSocket handshake whatever page opened it (SameSite=Lax stops other sites, not
 * another port of the same host), and WebSockets are not subject to CORS, so without this check any
 * page on a sibling origin could chat as the signed-in user. Requests without an Origin header
 * (non-browser clients, which hold the cookie themselves) are let through. Scheme, host and port
 * are compared exactly, as for state-changing HTTP requests (http/origin-guard.ts).
 */
export function originCheck(options: { allowedOrigins: string[]; trustProxy: boolean }) {
  const allowed = allowedOriginSet(options.allowedOrigins);
  return (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    const origin = req.headers.origin;
    if (origin === undefined) return callback(null, true);
    const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value?.split(",")[0]?.trim()) || undefined;
    const forwardedHost = options.trustProxy ? first(req.headers["x-forwarded-host"]) : undefined;
    const forwardedProto = options.trustProxy ? first(req.headers["x-forwarded-proto"]) : undefined;
    const scheme = forwardedProto ?? ((req.socket as TLSSocket).encrypted ? "https" : "http");
    const ok = originAllowed(origin, { scheme, host: forwardedHost ?? req.headers.host }, allowed);
    callback(ok ? null : "origin not allowed", ok);
  };
}
