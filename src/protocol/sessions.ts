import { z } from "zod";

/**
 * A session as its owner sees it (`GET /sessions`). `handle` names it in `DELETE /sessions/:handle`
 * without revealing the session id (the cookie's secret part): the first 16 characters of the
 * base64url SHA-256 of the id. Times are ms since the epoch; `lastSeenAt` is updated at most once a
 * minute. `userAgent` is the browser's `User-Agent` when the session began (cut to 200 characters).
 */
export const SessionInfo = z.object({
  handle: z.string(),
  createdAt: z.number().nullable(),
  lastSeenAt: z.number().nullable(),
  userAgent: z.string().nullable(),
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
 * Our pub/sub envelope on `MESSAGES`: `{serverId, type: "session.ended", data}`. Every instance
 * disconnects its sockets of these sessions of this user (sent after the sessions are deleted).
 */
export const SessionEnded = z.object({
  userId: z.number().int(),
  sessions: z.array(SessionHandle),
  /** Why, when the person did not end them themselves: shown on the sign-in page (`SessionEndedNotice.code`). */
  cause: z.enum(["deactivated"]).optional(),
});
export type SessionEnded = z.infer<typeof SessionEnded>;

/** What a deactivated person is told when their open page is signed out. */
export const DEACTIVATED_NOTICE = "This account was deactivated: ask an administrator";

/** Why the server closed a socket: sent as `session.ended` just before it disconnects. */
export const SessionEndedNotice = z.object({
  reason: z.string(),
  /** `deactivated`: an administrator deactivated the account (the client says so at sign-in). */
  code: z.enum(["deactivated"]).optional(),
});
export type SessionEndedNotice = z.infer<typeof SessionEndedNotice>;
