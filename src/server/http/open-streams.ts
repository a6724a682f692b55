import type { SessionEnded } from "../../protocol/index.js";
import { sessionHandle } from "../domain/users/sessions-index.js";

interface OpenStream {
  /** The session it was opened with (its handle); null: a bearer token's. */
  handle: string | null;
  end: () => void;
}

/**
 * This instance's open `/stream` responses (the seed's client's EventSource). Each is held by a
 * session: when that session ends, its streams are closed with its sockets (the EventSource's
 * reconnection then meets a 401), so no connection outlives the session that opened it.
 */
export class OpenStreams {
  private readonly open = new Set<OpenStream>();

  /** Holds a stream; the function it returns lets it go (its connection closed). */
  add(sessionId: string | null, end: () => void): () => void {
    const stream = { handle: sessionId ? sessionHandle(sessionId) : null, end };
    this.open.add(stream);
    return () => void this.open.delete(stream);
  }

  /** Closes the streams of these ended sessions (ended here, or heard of from another instance). */
  closeSessions(ended: SessionEnded): number {
    const handles = new Set(ended.sessions);
    let closed = 0;
    for (const stream of [...this.open]) {
      if (stream.handle === null || !handles.has(stream.handle)) continue;
      stream.end();
      closed++;
    }
    return closed;
  }

  /** Closes them all (the server is stopping). */
  closeAll(): void {
    for (const stream of [...this.open]) stream.end();
  }
}
