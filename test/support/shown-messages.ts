import type { ChatMessage } from "../../src/protocol/index.js";
import { readAllAfter } from "../resilience/helpers.js";
import { sleep, type ClientSocket } from "./chat-client.js";

/** What a reader's socket has shown of one room: live deliveries, and what each `resync` fetched. */
export interface ShownMessages {
  /** Ids of the messages shown. */
  seen: Set<string>;
  /** How many times the server told the socket to resync. */
  resyncs(): number;
  /** Settles once every catch-up asked for so far has been fetched. */
  caughtUp(): Promise<void>;
}

/**
 * Follows a room as a client does: live messages, and on `resync` the room's history after the
 * given time, fetched again (up to about 10 s) while the cluster is still settling.
 */
export function followRoom(socket: ClientSocket, url: string, cookie: string, roomId: string): ShownMessages {
  const seen = new Set<string>();
  socket.on("message", (m: ChatMessage) => seen.add(m.id));
  let resyncs = 0;
  let catchingUp = Promise.resolve();
  socket.on("resync", ({ since }) => {
    resyncs++;
    catchingUp = catchingUp.then(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          for (const m of await readAllAfter(url, cookie, roomId, since)) seen.add(m.id);
          return;
        } catch (err) {
          if (attempt > 50) throw err;
          await sleep(200);
        }
      }
    });
  });
  return { seen, resyncs: () => resyncs, caughtUp: () => catchingUp };
}
