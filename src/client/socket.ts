import { io, type Socket } from "socket.io-client";
import type { ChatMessage, ClientToServerEvents, MessageAck, SendMessage, ServerToClientEvents } from "../protocol/index.js";

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

/** Sends one message; resolves with the stored message, rejects with a reason to show. */
export async function sendMessage(socket: ChatSocket, payload: SendMessage): Promise<ChatMessage> {
  let answer: MessageAck;
  try {
    answer = (await socket.timeout(SEND_TIMEOUT_MS).emitWithAck("message", payload)) as MessageAck;
  } catch {
    throw new Error(socket.connected ? "No answer from the server" : "Not connected");
  }
  if (answer && answer.ok) return answer.message;
  throw new Error(answer && !answer.ok ? answer.error : "Not sent");
}

export function joinRoom(socket: ChatSocket, roomId: string): void {
  socket.emit("room.join", roomId);
}
