import { z } from "zod";

/**
 * A session as its owner sees it (`GET /sessions`). `handle` names it in `DELETE /sessions/:handle`
 * without revealing the session id (the cookie's secret part): the first 16 characters of the
 * base64url SHA-256 of the id. Times are ms since the epoch; `lastSeenAt` is updated at most once a
 * minute. `userAgent` is the browser's `User-Agent` when the session began (cut to 200 characters),
 * `address` the client's IP address then (null for sessions begun before it was kept).
 */
export const SessionInfo = z.object({
  handle: z.string(),
  createdAt: z.number().nullable(),
  lastSeenAt: z.number().nullable(),
  userAgent: z.string().nullable(),
  address: z.string().nullable(),
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SessionList = z.array(SessionInfo);
export type SessionList = z.infer<typeof SessionList>;

export const SessionHandle = z.string().regex(/^[A-Za-z0-9_-]{16}$/, "not a session handle");
export const SessionParams = z.object({ handle: SessionHandle });

/** `DELETE /sessions/:handle`, `DELETE /sessions`, `POST /logout/everywhere`: how many were ended. */
export const SessionsEnded = z.object({ ended: z.number().int() });
export type SessionsEnded = z.infer<typeof SessionsEnded>;

/**
 * Why sessions ended, said to their open pages (`session.ended`'s `code`):
 * - `signed-out`: this session was signed out in another tab or window of the same browser (a plain
 *   sign-out, or "Sign out everywhere" from here);
 * - `ended-elsewhere`: the person signed out from another device ("Sign out everywhere", "Sign out
 *   other sessions", or this session ended from the sessions list);
 * - `password-changed`: the password was changed (by the person elsewhere, or a reset link);
 * - `banned`: an administrator banned the account (`detail`: the ban's reason, when given);
 * - `deactivated`: an administrator deactivated the account.
 */
export const SessionEndedCode = z.enum(["signed-out", "ended-elsewhere", "password-changed", "banned", "deactivated"]);
export type SessionEndedCode = z.infer<typeof SessionEndedCode>;

/**
 * Our pub/sub envelope on `MESSAGES`: `{serverId, type: "session.ended", data}`. Every instance
 * disconnects its sockets of these sessions of this user (sent after the sessions are deleted).
 */
export const SessionEnded = z.object({
  userId: z.number().int(),
  sessions: z.array(SessionHandle),
  /**
   * The only cause an older instance understands (it drops an envelope whose `cause` it cannot
   * parse, leaving sockets open): set for deactivations only; newer instances read `code`.
   */
  cause: z.enum(["deactivated"]).optional(),
  /** Why (see SessionEndedCode); absent from older instances' envelopes. */
  code: SessionEndedCode.optional(),
  /** The session that asked for it: its own sockets (other tabs) are told `signed-out`. */
  by: SessionHandle.optional(),
  /** A ban's reason, as the administrator gave it. */
  detail: z.string().max(500).optional(),
});
export type SessionEnded = z.infer<typeof SessionEnded>;

/** What a deactivated person is told when their open page is signed out. */
export const DEACTIVATED_NOTICE = "This account was deactivated: ask an administrator";

/** What each open page is told, by code (a ban's reason is added by the client from `detail`). */
export const SESSION_ENDED_NOTICES: Record<SessionEndedCode, string> = {
  "signed-out": "You signed out in another tab or window of this browser.",
  "ended-elsewhere": "You were signed out from another device.",
  "password-changed": "Your password was changed: sign in with the new one.",
  banned: "This account was banned by an administrator.",
  deactivated: DEACTIVATED_NOTICE,
};

/** Why the server closed a socket: sent as `session.ended` just before it disconnects. */
export const SessionEndedNotice = z.object({
  reason: z.string(),
  /** Why, for the client to say at sign-in (see SessionEndedCode); absent: no reason given. */
  code: SessionEndedCode.optional(),
  /** With `banned`: the reason the administrator gave, when they gave one. */
  detail: z.string().optional(),
});
export type SessionEndedNotice = z.infer<typeof SessionEndedNotice>;

/**
 * Why the session a request's cookie names is no longer there, when the server knows: how it was
 * ended (a SessionEndedCode, remembered for the rest of the session's lifetime), or `expired`: it
 * ran its course (or ended so long ago that nothing is remembered). `reason` is the sentence to show.
 * Sent with a 401 (`ErrorBody.ended`) and with a refused Socket.IO handshake (`SignInFirst.ended`),
 * so a page that was offline when its session ended learns why when it comes back.
 */
export const SessionGoneCode = z.enum([...SessionEndedCode.options, "expired"]);
export type SessionGoneCode = z.infer<typeof SessionGoneCode>;

export const SESSION_GONE_NOTICES: Record<SessionGoneCode, string> = {
  ...SESSION_ENDED_NOTICES,
  expired: "Your session expired: sign in again.",
};

export const SessionGone = z.object({
  code: SessionGoneCode,
  reason: z.string(),
  /** With `banned`: the reason the administrator gave, when they gave one. */
  detail: z.string().optional(),
});
export type SessionGone = z.infer<typeof SessionGone>;

/**
 * The `connect_error` a handshake without a live session gets: `err.data` is this object; `ended`
 * says why when the cookie named a session that is gone (absent: no session cookie was sent).
 */
export const SignInFirst = z.object({ reason: z.literal("sign-in-first"), ended: SessionGone.optional() });
export type SignInFirst = z.infer<typeof SignInFirst>;
