import { io, type Socket } from "socket.io-client";
import type {
  ChatMessage, ClientToServerEvents, DeleteMessage, EditMessage, MessageAck, ReactToMessage, Reaction, SendMessage, ServerToClientEvents,
} from "../protocol/index.js";

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Same origin, cookie session, batched delivery. Reconnects on its own, quickly at first. */
export function connectSocket(): ChatSocket {
  return io({
    path: "/socket.io",
    auth: { batch: true },
    transports: ["websocket"],
    reconnectionDelay: 300,
    reconnectionDelayMax: 3000,
    withCredentials: true,
  });
}

export const SEND_TIMEOUT_MS = 10_000;

/**
 * What became of one send: `stored`; `later` (the rate limit says when, `retryAfterMs`; or no
 * answer came: disconnected or timed out, so it may or may not be stored, and resending it with
 * the same clientId is safe); or `refused` for good, with the server's reason.
 */
export type SendOutcome =
  | { kind: "stored"; message: ChatMessage }
  | { kind: "later"; retryAfterMs: number; why: "rate-limit" | "no-answer" }
  | { kind: "refused"; error: string };

/** Sends one message and says what became of it; never rejects. */
export async function sendMessage(socket: ChatSocket, payload: SendMessage): Promise<SendOutcome> {
  let answer: MessageAck;
  try {
    answer = (await socket.timeout(SEND_TIMEOUT_MS).emitWithAck("message", payload)) as MessageAck;
  } catch {
    return { kind: "later", retryAfterMs: 1000, why: "no-answer" };
  }
  if (answer && answer.ok) return { kind: "stored", message: answer.message };
  if (answer && !answer.ok && typeof answer.retryAfterMs === "number") {
    return { kind: "later", retryAfterMs: answer.retryAfterMs, why: "rate-limit" };
  }
  return { kind: "refused", error: answer && !answer.ok ? answer.error : "Not sent" };
}

export function joinRoom(socket: ChatSocket, roomId: string): void {
  socket.emit("room.join", roomId);
}

// --- Message actions (edit, delete, react, typing): acknowledged like sends. ---

async function ask<T>(socket: ChatSocket, event: "message.edit" | "message.delete" | "reaction.add" | "reaction.remove", payload: unknown): Promise<T> {
  let answer: ({ ok: true } & T) | { ok: false; error: string };
  try {
    answer = (await socket.timeout(SEND_TIMEOUT_MS).emitWithAck(event, payload)) as typeof answer;
  } catch {
    throw new Error(socket.connected ? "No answer from the server" : "Not connected");
  }
  if (answer && answer.ok) return answer;
  throw new Error(answer && !answer.ok ? answer.error : "Refused");
}

/** New text for one of my messages; resolves with the edited message. */
export async function editMessage(socket: ChatSocket, payload: EditMessage): Promise<ChatMessage> {
  return (await ask<{ message: ChatMessage }>(socket, "message.edit", payload)).message;
}

export async function deleteMessage(socket: ChatSocket, payload: DeleteMessage): Promise<void> {
  await ask<{ id: string }>(socket, "message.delete", payload);
}

/** Adds or removes my reaction; resolves with the message's reactions after it. */
export async function react(socket: ChatSocket, payload: ReactToMessage, add: boolean): Promise<Reaction[]> {
  return (await ask<{ reactions: Reaction[] }>(socket, add ? "reaction.add" : "reaction.remove", payload)).reactions;
}

/** "I am typing in this room" (fire and forget; the caller throttles). */
export function sendTyping(socket: ChatSocket, roomId: string): void {
  if (socket.connected) socket.emit("typing", { roomId });
}
