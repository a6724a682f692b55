import { SESSION_ENDED_NOTICES, type SessionEnded, type SessionEndedCode, type SessionEndedNotice } from "../../protocol/index.js";
import { sessionHandle } from "../domain/users/sessions-index.js";
import type { ChatServer } from "./handlers/handler.js";
import { socketRooms } from "./socket-rooms.js";

/**
 * Closes this instance's sockets of ended sessions: each gets `session.ended` and is then
 * disconnected (the client does not reconnect by itself after a server-side disconnect). Found
 * through the user's own socket rooms, so the cost is the user's sockets, not everyone's.
 * Returns how many were closed.
 */
export function closeSessionSockets(io: ChatServer, ended: SessionEnded, reason = "Your session ended; sign in again."): number {
  const handles = new Set(ended.sessions);
  // An older instance's envelope has no code: its `cause` is the only one it knew.
  const code = ended.code ?? ended.cause;
  const noticeOf = (c: SessionEndedCode | undefined): SessionEndedNotice => c === undefined ? { reason } : {
    reason: SESSION_ENDED_NOTICES[c], code: c, ...(c === "banned" && ended.detail ? { detail: ended.detail } : {}),
  };
  const namespace = io.of("/");
  let closed = 0;
  for (const mode of ["seed", "batch"] as const) {
    const members = namespace.adapter.rooms.get(socketRooms.user(mode, ended.userId));
    if (!members) continue;
    for (const socketId of [...members]) {
      const socket = namespace.sockets.get(socketId);
      // The handle is worked out here, for the user's sockets only, rather than kept by every socket.
      const handle = socket ? sessionHandle(socket.data.sessionId) : undefined;
      if (!socket || !handle || !handles.has(handle)) continue;
      // The session that asked for it: these are its other tabs (a ban or deactivation is not theirs).
      const own = ended.by === handle && (code === "ended-elsewhere" || code === "password-changed" || code === "signed-out");
      socket.emit("session.ended", noticeOf(own ? "signed-out" : code));
      socket.disconnect(true);
      closed++;
    }
  }
  return closed;
}
