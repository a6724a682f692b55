import { z } from "zod";
import { announceSessionGone } from "./lib/sessionGone.js";
import {
  AuditEntry, BanState, NEXT_CURSOR_HEADER, ChangesPage, ChatMessage, DirectoryRoom, ErrorBody, Invite, InviteState, ReadState, RegistrationInfo, Role, RoomDetails,
  RoomSummary, SESSION_ENDED_HEADER, SessionUser, UserRoom, decodeSessionEndedHeader, UserWithPresence, UsersById, type SessionGone,
  type CreateAccountBody, type CreateInviteBody, type CreateRoomBody, type LoginBody, type UpdateRoomBody,
} from "../protocol/index.js";

/** The signed-in user; `role` from servers that have roles (`GET /me` of issue 9). */
export const SignedInUser = SessionUser.extend({ role: Role.optional() });
export type SignedInUser = z.infer<typeof SignedInUser>;

/** A listing of `GET /rooms/:userId`: this server's full entry, or the seed's `{id, names}`. */
const RoomListingSchema = z.union([UserRoom, RoomSummary]);

/**
 * A failed request: `status` 0 means the server could not be reached. `ended`: with 401, why the
 * session this browser's cookie named is gone (absent: no session cookie, or an older server).
 */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly ended?: SessionGone) {
    super(message);
    this.name = "ApiError";
  }
}

/** One JSON request, its answer parsed with `schema`; failures become ApiError. */
export async function request<T>(schema: z.ZodType<T>, path: string, init: RequestInit = {}): Promise<T> {
  return (await requestWithHeaders(schema, path, init)).body;
}

/** `request`, with the answer's headers (a page's next cursor comes in one). */
async function requestWithHeaders<T>(schema: z.ZodType<T>, path: string, init: RequestInit = {}): Promise<{ body: T; headers: Headers }> {
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: "same-origin",
      ...init,
      // A FormData body (a profile picture) sets its own multipart type.
      headers: { accept: "application/json", ...(typeof init.body === "string" ? { "content-type": "application/json" } : {}) },
    });
  } catch {
    throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
  }
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const error = ErrorBody.safeParse(body);
    const ended = response.status === 401 && error.success ? error.data.ended : undefined;
    if (ended) announceSessionGone(ended);
    throw new ApiError(response.status, error.success ? error.data.message : `The server answered ${response.status}.`, ended);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(response.status, "The server sent an answer this page does not understand.");
  return { body: parsed.data, headers: response.headers };
}

/** Open rooms per directory page. */
export const DIRECTORY_PAGE = 50;

const post = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body) });
const put = (body?: unknown): RequestInit => (body === undefined ? { method: "PUT" } : { method: "PUT", body: JSON.stringify(body) });
const patch = (body: unknown): RequestInit => ({ method: "PATCH", body: JSON.stringify(body) });
const del: RequestInit = { method: "DELETE" };
const room = (id: string) => `/room/${encodeURIComponent(id)}`;

export const api = {
  me: () => request(SignedInUser.nullable(), "/me"),
  /** `GET /me` at start: the user, or null and, when the cookie's session ended, why (SESSION_ENDED_HEADER). */
  session: () => requestWithHeaders(SignedInUser.nullable(), "/me")
    .then(({ body, headers }) => ({ me: body, ended: body ? null : decodeSessionEndedHeader(headers.get(SESSION_ENDED_HEADER)) })),
  login: (body: LoginBody) => request(SignedInUser, "/login", post(body)),
  /** How new accounts are made here; `open` from servers that do not say. */
  registration: () => request(RegistrationInfo, "/registration").catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return { mode: "open" as const };
    throw error;
  }),
  logout: () => request(z.unknown(), "/logout", post({})),
  rooms: (userId: number) => request(z.array(RoomListingSchema), `/rooms/${userId}`),
  openPrivateRoom: (user1: number, user2: number) => request(RoomSummary, "/room", post({ user1, user2 })),
  /** Newest first. */
  page: (roomId: string, offset: number, size: number) =>
    request(z.array(ChatMessage), `/room/${encodeURIComponent(roomId)}/messages?offset=${offset}&size=${size}`),
  /** The page of `size` messages centred on `messageId` (a permalink), newest first. */
  around: (roomId: string, messageId: string, size: number) =>
    request(z.array(ChatMessage), `/room/${encodeURIComponent(roomId)}/messages?around=${encodeURIComponent(messageId)}&size=${size}`),
  /** Strictly after `afterId`, oldest first. */
  after: (roomId: string, afterId: string, size: number) =>
    request(z.array(ChatMessage), `/room/${encodeURIComponent(roomId)}/messages?after=${encodeURIComponent(afterId)}&size=${size}`),
  users: (ids: number[]) =>
    request(UsersById, `/users?${ids.map((id) => `ids[]=${id}`).join("&")}`).then((byId) => Object.values(byId)),
  online: () => request(UsersById, "/users/online").then((byId) => Object.values(byId)),
  /** The room's change log after `since` (edits, deletions, reactions), oldest first; without it, only the cursor. */
  changes: (roomId: string, since: string | null, size = 100) =>
    request(ChangesPage, `/room/${encodeURIComponent(roomId)}/changes?${since ? `since=${encodeURIComponent(since)}&` : ""}size=${size}`),
  search: (prefix: string) => request(z.array(UserWithPresence), `/users/search?q=${encodeURIComponent(prefix)}`),

  // --- rooms people make (issue 9) ---
  /** A named room, or (no name, 3+ members) the group conversation of exactly those people. */
  createRoom: (body: CreateRoomBody) => request(RoomDetails, "/rooms", post(body)),
  /**
   * A page of open rooms (newest activity first), whose names contain `q` when given (the server
   * searches them all), from `cursor` (the `next` of the page before; null: the first page).
   */
  directory: (q = "", cursor: string | null = null) =>
    requestWithHeaders(
      z.array(DirectoryRoom),
      `/rooms?limit=${DIRECTORY_PAGE}${q.trim() ? `&q=${encodeURIComponent(q.trim())}` : ""}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    ).then(({ body, headers }) => ({ rooms: body, next: headers.get(NEXT_CURSOR_HEADER) })),
  room: (id: string) => request(RoomDetails, room(id)),
  updateRoom: (id: string, body: UpdateRoomBody) => request(RoomDetails, room(id), patch(body)),
  deleteRoom: (id: string) => request(z.unknown(), room(id), del),
  joinRoom: (id: string) => request(z.unknown(), `${room(id)}/join`, post({})),
  leaveRoom: (id: string) => request(z.unknown(), `${room(id)}/leave`, post({})),
  addMember: (id: string, userId: number) => request(z.unknown(), `${room(id)}/members/${userId}`, put()),
  removeMember: (id: string, userId: number) => request(z.unknown(), `${room(id)}/members/${userId}`, del),
  /** `keepalive`: sent as the page goes away (a closed tab still sends its last read mark). */
  markRead: (id: string, messageId: string, keepalive = false) =>
    request(ReadState, `${room(id)}/read`, { ...put({ messageId }), ...(keepalive ? { keepalive: true } : {}) }),

  // --- administrators ---
  /** `revokeInvitations`: the open invitation links go too (the answer says how many). */
  ban: (userId: number, { reason, revokeInvitations }: { reason?: string; revokeInvitations?: boolean } = {}) =>
    request(BanState, `/users/${userId}/ban`, post({ ...(reason ? { reason } : {}), ...(revokeInvitations ? { revokeInvitations: true } : {}) })),
  unban: (userId: number) => request(BanState, `/users/${userId}/ban`, del),
  audit: (before?: string) => request(z.array(AuditEntry), `/admin/audit?limit=50${before ? `&before=${encodeURIComponent(before)}` : ""}`),
  /** `POST /admin/users`: the only way in with `REGISTRATION=closed`. */
  createAccount: (body: CreateAccountBody) => request(SignedInUser, "/admin/users", post(body)),
  invites: () => request(z.array(Invite), "/invites"),
  inviteState: (code: string) => request(InviteState, `/invites/${encodeURIComponent(code)}/state`),
  createInvite: (body: Partial<CreateInviteBody>) => request(Invite, "/invites", post(body)),
  revokeInvite: (code: string) => request(z.unknown(), `/invites/${encodeURIComponent(code)}`, del),
};
