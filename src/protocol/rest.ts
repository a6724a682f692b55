import { z } from "zod";
import { RoomId, UserId, Username } from "./ids.js";
import { MESSAGE_ID_PATTERN } from "./message.js";
import { SessionGone } from "./sessions.js";

/** HTTP error body, for every 4xx and 5xx. */
export const ErrorBody = z.object({
  message: z.string(),
  /** With 429: seconds to wait before trying again (also in `Retry-After`). */
  retryAfter: z.number().int().optional(),
  /** With 401: why the session the request's cookie named is gone (see SessionGone). */
  ended: SessionGone.optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const MIN_PASSWORD_LENGTH = 8;

/**
 * bcrypt reads only the first 72 bytes of a password: a longer one would sign in with its first 72
 * bytes alone. So a password is at most 72 bytes of UTF-8 (72 ASCII characters, fewer with accents
 * or emoji), for new accounts and for sign-in alike, and a longer one is refused, never cut.
 */
export const MAX_PASSWORD_BYTES = 72;

/** The UTF-8 length of a string, in bytes (what bcrypt counts). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

export const Password = z
  .string("password must be a string")
  .min(1, "password must not be empty")
  .refine((p) => utf8Length(p) <= MAX_PASSWORD_BYTES, {
    message: `password is too long: at most ${MAX_PASSWORD_BYTES} bytes (UTF-8; accented letters take 2, emoji 4)`,
    abort: true,
  });

export const LoginBody = z.object({
  username: Username,
  password: Password,
  /** An invitation code: needed to register a new name with `REGISTRATION=invite` (issue 9). */
  invite: z.string("invite must be a string").max(64, "invite is not a valid invitation code").optional(),
  /**
   * `false`: only sign in, never register (an unknown name answers 404 "No account with that
   * name"), so a client can ask for confirmation before creating an account. Absent: the seed's
   * behaviour, an unknown name registers.
   */
  createAccount: z.boolean("createAccount must be a boolean").optional(),
});
export type LoginBody = z.infer<typeof LoginBody>;

/** The signed-in user: `POST /login`, `GET /me`. */
export const SessionUser = z.object({ id: z.number().int(), username: z.string() });
export type SessionUser = z.infer<typeof SessionUser>;

/**
 * `GET /me` answers `null` without a live session (the seed's client reads the body as the user).
 * When its cookie named a session that has ended, this header also says why (the `SessionGone` of
 * a 401) and whose session it was (`user`: their name is filled in at sign-in), as URI-encoded
 * JSON: a page loaded anew after its session ended says why, as an open page does.
 */
export const SESSION_ENDED_HEADER = "x-session-ended";
export const SessionEndedHeader = SessionGone.extend({ user: SessionUser.optional() });
export type SessionEndedHeader = z.infer<typeof SessionEndedHeader>;

export function encodeSessionEndedHeader(value: SessionEndedHeader): string {
  return encodeURIComponent(JSON.stringify(value));
}

/** The header's value, or null when absent or not understood. */
export function decodeSessionEndedHeader(raw: string | null | undefined): SessionEndedHeader | null {
  if (!raw) return null;
  try {
    const parsed = SessionEndedHeader.safeParse(JSON.parse(decodeURIComponent(raw)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const UserWithPresence = z.object({
  id: z.number().int(),
  username: z.string(),
  online: z.boolean(),
  /** The name to show, when the person chose one (issue 18; `username` stays the sign-in name and the `@mention`). */
  displayName: z.string().optional(),
  /** The profile picture's URL, when the person has one (issue 18; accounts.ts `avatarUrl`). */
  avatarUrl: z.string().optional(),
});
export type UserWithPresence = z.infer<typeof UserWithPresence>;

/** `GET /users?ids[]=..`, `GET /users/online`: keyed by user id. */
export const UsersById = z.record(z.string(), UserWithPresence);
export type UsersById = z.infer<typeof UsersById>;

/** `?ids[]=1&ids[]=2` (the seed client's form) or `?ids=1&ids=2`. */
export const UsersQuery = z.preprocess(
  (query) => {
    const q = (query ?? {}) as Record<string, unknown>;
    return { ids: q["ids[]"] ?? q.ids };
  },
  z.object({
    ids: z
      .union([UserId, z.array(UserId)], "ids[] must be user ids")
      .transform((ids) => (Array.isArray(ids) ? ids : [ids]))
      .pipe(z.array(z.number()).max(500, "at most 500 ids at once")),
  }),
);

/** Most online users one `GET /users/online` page holds (about: Redis's SSCAN decides the split). */
export const ONLINE_PAGE_LIMIT = 1000;

/**
 * `GET /users/online?cursor=&limit=`: one page of the online users (SSCAN of `online_users`), the
 * seed's body (users by id); the header `x-next-cursor` names the next page while there is one.
 * Without a cursor, the first page: the seed's client, which asks once, sees up to about `limit`.
 */
export const OnlineUsersQuery = z.object({
  cursor: z.string().regex(/^\d{1,20}$/, "cursor must be what x-next-cursor said").default("0"),
  limit: z.coerce.number("limit must be a number").int().min(1).max(ONLINE_PAGE_LIMIT).default(ONLINE_PAGE_LIMIT),
});

/** A room as listed: General has one name, a private room the two usernames. */
export const RoomSummary = z.object({ id: RoomId, names: z.array(z.string()) });
export type RoomSummary = z.infer<typeof RoomSummary>;

export const CreatePrivateRoomBody = z.object({ user1: UserId, user2: UserId });

export const RoomParams = z.object({ id: RoomId });
export const UserParams = z.object({ userId: UserId });

export const MAX_PAGE_SIZE = 100;
const PageSize = z.coerce
  .number("size must be a number")
  .int("size must be a whole number")
  .min(1, "size must be at least 1")
  .max(MAX_PAGE_SIZE, `size must be at most ${MAX_PAGE_SIZE}`)
  .default(15);

/**
 * `?offset=&size=`: newest first, as the seed. `?after=<message id>&size=`: strictly after that
 * message, oldest first (catching up after a reconnect).
 */
export const MessagesQuery = z.object({
  after: z.string().regex(MESSAGE_ID_PATTERN, "after must be a message id").optional(),
  /** A permalink: the page of `size` messages centred on this one (newest first, as offset pages). */
  around: z.string().regex(MESSAGE_ID_PATTERN, "around must be a message id").optional(),
  offset: z.coerce.number("offset must be a number").int("offset must be a whole number").min(0, "offset must be at least 0").max(1_000_000).default(0),
  size: PageSize,
});
export type MessagesQuery = z.infer<typeof MessagesQuery>;

export const Health = z.object({ status: z.enum(["ok", "unavailable"]) });
