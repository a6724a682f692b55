import { z } from "zod";
import {
  ChangesPage, ChatMessage, ErrorBody, RoomSummary, SessionUser, UserWithPresence, UsersById,
  type LoginBody,
} from "../protocol/index.js";

/** A failed request: `status` 0 means the server could not be reached. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

/** One JSON request, its answer parsed with `schema`; failures become ApiError. */
export async function request<T>(schema: z.ZodType<T>, path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      credentials: "same-origin",
      ...init,
      headers: { accept: "application/json", ...(init.body ? { "content-type": "application/json" } : {}) },
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
    throw new ApiError(response.status, error.success ? error.data.message : `The server answered ${response.status}.`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(response.status, "The server sent an answer this page does not understand.");
  return parsed.data;
}

const post = (body: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(body) });

export const api = {
  me: () => request(SessionUser.nullable(), "/me"),
  login: (body: LoginBody) => request(SessionUser, "/login", post(body)),
  logout: () => request(z.unknown(), "/logout", post({})),
  rooms: (userId: number) => request(z.array(RoomSummary), `/rooms/${userId}`),
  openPrivateRoom: (user1: number, user2: number) => request(RoomSummary, "/room", post({ user1, user2 })),
  /** Newest first. */
  page: (roomId: string, offset: number, size: number) =>
    request(z.array(ChatMessage), `/room/${encodeURIComponent(roomId)}/messages?offset=${offset}&size=${size}`),
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
};
