import { fastifyCookie } from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { BANNED_MESSAGE, type SessionGone, type SessionUser } from "../../protocol/index.js";
import type { Sessions } from "../domain/sessions.js";
import { HttpError } from "./errors.js";

export const SESSION_COOKIE = "sid";

declare module "fastify" {
  interface FastifyRequest {
    user: SessionUser | null;
    sessionId: string | null;
    /** The session the cookie named, when it is no longer there (ended, or expired). */
    goneSessionId: string | null;
  }
  interface FastifyContextConfig {
    /** Reachable without a session. */
    public?: boolean;
  }
}

export interface SessionPluginOptions {
  sessions: Sessions;
  secure: boolean;
  ttlSeconds: number;
  /**
   * Resolves `Authorization: Bearer <token>` to a user (bots' API tokens), for requests without a
   * session cookie. Looked up on every request, so a revoked token fails at once.
   */
  bearer?: (token: string) => Promise<SessionUser | undefined>;
  /**
   * Whether an account is banned: asked for every request that presents a credential (a session
   * cookie or a bearer token), so a ban refuses every way in, on every instance, until lifted.
   */
  isBanned: (userId: number) => Promise<boolean>;
  /** Why the session a cookie names is gone (`whySessionGone`): said with the 401. */
  whyGone: (sessionId: string) => Promise<SessionGone>;
}

/**
 * Sessions over a signed, HttpOnly, SameSite=Lax cookie holding a random id; the session itself
 * lives in Redis. Every route in the scope this is registered in needs a session unless its config
 * says `public: true`. (`@fastify/cookie` is registered once, at the root.)
 */
export async function registerSessions(app: FastifyInstance, options: SessionPluginOptions): Promise<void> {
  app.decorateRequest("user", null);
  app.decorateRequest("sessionId", null);
  app.decorateRequest("goneSessionId", null);

  app.addHook("onRequest", async (request) => {
    const raw = request.cookies[SESSION_COOKIE];
    /** The session the cookie names, when it is no longer there. */
    let gone: string | undefined;
    if (raw) {
      const unsigned = request.unsignCookie(raw);
      if (unsigned.valid && unsigned.value) {
        const user = await options.sessions.get(unsigned.value);
        if (user) {
          request.user = user;
          request.sessionId = unsigned.value;
          options.sessions.touch(unsigned.value, user.id);
        } else {
          gone = unsigned.value;
          request.goneSessionId = gone;
        }
      }
    }
    const authorization = request.headers.authorization;
    if (!request.user && options.bearer && authorization?.startsWith("Bearer ")) {
      const user = await options.bearer(authorization.slice(7).trim());
      if (!user) throw new HttpError(401, "Invalid or revoked token");
      request.user = user;
    }
    if (request.user && (await options.isBanned(request.user.id))) throw new HttpError(403, BANNED_MESSAGE);
    if (!request.user && !request.routeOptions.config.public && !request.is404) {
      // A page that was away when its session ended learns why here (looked up only for a 401).
      const ended = gone ? await options.whyGone(gone) : undefined;
      throw new HttpError(401, "Sign in first", ended ? { ended } : undefined);
    }
  });

  app.decorateReply("startSession", async function (this: FastifyReply, user: SessionUser) {
    const sessionId = await options.sessions.create(user, { userAgent: this.request.headers["user-agent"], address: this.request.ip });
    this.setCookie(SESSION_COOKIE, sessionId, {
      signed: true,
      httpOnly: true,
      sameSite: "lax",
      secure: options.secure,
      path: "/",
      maxAge: options.ttlSeconds,
    });
  });
  app.decorateReply("endSession", async function (this: FastifyReply, request: FastifyRequest) {
    if (request.sessionId) await options.sessions.destroy(request.sessionId);
    this.clearCookie(SESSION_COOKIE, { path: "/" });
  });
}

declare module "fastify" {
  interface FastifyReply {
    startSession(user: SessionUser): Promise<void>;
    endSession(request: FastifyRequest): Promise<void>;
  }
}

/** Reads the session user from a raw Cookie header (the Socket.IO handshake). */
export function sessionIdFromCookieHeader(header: string | undefined, secret: string): string | undefined {
  if (!header) return undefined;
  const raw = fastifyCookie.parse(header)[SESSION_COOKIE];
  if (!raw) return undefined;
  const unsigned = fastifyCookie.unsign(raw, secret);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}
