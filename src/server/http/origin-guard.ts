import type { FastifyInstance } from "fastify";
import { HttpError } from "./errors.js";

/** Methods that change state: the ones a page on another origin must not be able to make us do. */
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Whether a browser's `Origin` (scheme, host and port) is this server's own origin (as the request
 * reached it: `scheme` and `host` with its port, from X-Forwarded-Proto/-Host behind a trusted
 * proxy) or one of `allowed`. Compared exactly after URL normalisation (default ports dropped, host
 * in lower case); the opaque origin `null` (sandboxed frames, file: pages) is never allowed.
 * Shared by the HTTP guard below and the Socket.IO handshake check (realtime/origin-check.ts).
 */
export function originAllowed(origin: string, own: { scheme: string; host: string | undefined }, allowed: ReadonlySet<string>): boolean {
  const normal = normalizeOrigin(origin);
  if (normal === undefined) return false;
  if (allowed.has(normal)) return true;
  if (!own.host) return false;
  return normal === normalizeOrigin(`${own.scheme}://${own.host}`);
}

/** `scheme://host[:port]` as browsers send it, or undefined when it is not an http(s) origin. */
export function normalizeOrigin(text: string): string | undefined {
  if (text === "null") return undefined;
  try {
    const url = new URL(text);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** The configured ALLOWED_ORIGINS, normalised. */
export function allowedOriginSet(origins: string[]): Set<string> {
  return new Set(origins.map(normalizeOrigin).filter((o): o is string => o !== undefined));
}

/**
 * Refuses state-changing requests (POST, PUT, PATCH, DELETE) that a browser sends from another
 * origin, with 403 JSON, as the Socket.IO handshake does. The `Origin` header decides; without one,
 * the `Referer`'s origin; without either (curl, server-to-server clients, which hold the cookie
 * themselves) the request goes on. SameSite=Lax cookies already stop other sites' POSTs; this also
 * stops sibling origins (another port or scheme of the same host) and old browsers.
 */
export async function registerOriginGuard(app: FastifyInstance, options: { allowedOrigins: string[] }): Promise<void> {
  const allowed = allowedOriginSet(options.allowedOrigins);
  app.addHook("onRequest", async (request) => {
    if (!STATE_CHANGING.has(request.method)) return;
    const origin = request.headers.origin;
    const referer = request.headers.referer;
    let claimed: string | undefined;
    if (origin !== undefined) claimed = origin;
    else if (referer !== undefined) claimed = normalizeOrigin(referer) ?? "null";
    if (claimed === undefined) return;
    // request.protocol and request.host honour X-Forwarded-Proto/-Host only when TRUST_PROXY is set.
    if (!originAllowed(claimed, { scheme: request.protocol, host: request.host }, allowed)) {
      throw new HttpError(403, "Refused: this request came from another origin");
    }
  });
}
