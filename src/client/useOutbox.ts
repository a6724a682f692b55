import { useEffect, useRef, useState, type Dispatch, type MutableRefObject } from "react";
import { sendMessage, type ChatSocket } from "./socket.js";
import type { ChatAction, ChatState } from "./state/chat.js";
import { mergeOutbox, nextToSend, outboxKey, parseOutbox } from "./state/pending.js";

/**
 * The outbox: every message typed here is sent by it, one at a time and oldest first, whenever the
 * socket is connected, with its clientId (so the server stores it once however often it is sent).
 * A message typed while disconnected waits for the connection; one refused by the rate limit waits
 * for the time the server named; one that got no answer is sent again. The outbox is mirrored in
 * localStorage, so what was not stored survives a reload and the end of the session, and is sent
 * when the same person is signed in again.
 */
export function useOutbox(state: ChatState, dispatch: Dispatch<ChatAction>, socketRef: MutableRefObject<ChatSocket | null>): void {
  const userId = state.me.id;
  const inFlight = useRef<string | null>(null);
  const written = useRef<Set<string>>(new Set());
  const [tick, setTick] = useState(0);

  // Take over what an earlier session (or a closed tab) of this person left unsent.
  useEffect(() => {
    const restored = parseOutbox(readStorage(outboxKey(userId)));
    written.current = new Set(Object.keys(restored));
    if (Object.keys(restored).length) dispatch({ type: "outboxRestored", pending: restored });
  }, [userId, dispatch]);

  // Mirror this tab's unsent messages into storage (other tabs' entries are kept).
  useEffect(() => {
    const key = outboxKey(userId);
    const { text, written: nowWritten } = mergeOutbox(parseOutbox(readStorage(key)), state.pending, written.current);
    written.current = nowWritten;
    writeStorage(key, text === "[]" ? null : text);
  }, [userId, state.pending]);

  // A send on its way when the connection dropped will get no answer on the new one: stop waiting
  // for it (its answer, if one still comes, is handled as usual; a resend has the same clientId).
  useEffect(() => {
    if (state.connection !== "online") inFlight.current = null;
  }, [state.connection]);

  // Send the next message when there is one, we are connected, and nothing is on its way.
  useEffect(() => {
    const socket = socketRef.current;
    if (state.connection !== "online" || !socket || inFlight.current) return;
    const next = nextToSend(state.pending, Date.now());
    if (!next) return;
    if (next.waitMs > 0) {
      const timer = setTimeout(() => setTick((n) => n + 1), next.waitMs);
      return () => clearTimeout(timer);
    }
    const { clientId, roomId, text, replyTo, attachments } = next.message;
    inFlight.current = clientId;
    void sendMessage(socket, {
      roomId, message: text, clientId, ...(replyTo ? { replyTo } : {}), ...(attachments?.length ? { attachments: attachments.map((a) => a.id) } : {}),
    }).then((outcome) => {
      if (inFlight.current === clientId) inFlight.current = null;
      if (outcome.kind === "stored") dispatch({ type: "sendSucceeded", clientId, message: outcome.message });
      else if (outcome.kind === "refused") dispatch({ type: "sendFailed", clientId, error: outcome.error });
      else dispatch({ type: "sendDeferred", clientId, retryAt: Date.now() + outcome.retryAfterMs, why: outcome.why });
      setTick((n) => n + 1);
    });
    return undefined;
  }, [state.connection, state.pending, tick, socketRef, dispatch]);
}

function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key: string, text: string | null): void {
  try {
    if (text === null) localStorage.removeItem(key);
    else localStorage.setItem(key, text);
  } catch {
    // Storage full or disabled: the outbox still works for this page's lifetime.
  }
}

/** Every person's unsent messages kept in this browser: for the sign-in page to show. */
export function storedOutboxes(): { userId: number; texts: string[] }[] {
  const out: { userId: number; texts: string[] }[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      const match = key ? /^redis-chat:outbox:(\d+)$/.exec(key) : null;
      if (!match) continue;
      const texts = Object.values(parseOutbox(localStorage.getItem(key!))).map((p) => p.text);
      if (texts.length) out.push({ userId: Number(match[1]), texts });
    }
  } catch {
    // Storage disabled.
  }
  return out;
}
