import { io, type Socket } from "socket.io-client";
import type {
  ChatMessage,
  ClientToServerEvents,
  MessageAck,
  ServerToClientEvents,
  SessionUser,
} from "../../src/protocol/index.js";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface SignedIn {
  user: SessionUser;
  cookie: string;
  status: number;
}

/** `POST /login`; returns the user and the session cookie to present on later requests. */
export async function login(url: string, username: string, password = "password123"): Promise<SignedIn> {
  const res = await fetch(`${url}/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(body)}`);
  const setCookie = res.headers.get("set-cookie") ?? "";
  return { user: body as SessionUser, cookie: setCookie.split(";")[0]!, status: res.status };
}

export async function api(url: string, path: string, cookie?: string, init: RequestInit = {}) {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (cookie) headers.cookie = cookie;
  if (init.body) headers["content-type"] = "application/json";
  const res = await fetch(`${url}${path}`, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as any, headers: res.headers };
}

/** A connected Socket.IO client (WebSocket transport) for a signed-in user. */
export async function connect(url: string, cookie: string, options: { batch?: boolean } = {}): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    transports: ["websocket"],
    extraHeaders: { cookie },
    auth: options.batch ? { batch: true } : {},
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(err));
  });
  return socket;
}

export function send(socket: ClientSocket, payload: unknown, timeoutMs = 5000): Promise<MessageAck> {
  return socket.timeout(timeoutMs).emitWithAck("message", payload) as Promise<MessageAck>;
}

/** Collects `message` events (and batches) a socket receives. */
export function collectMessages(socket: ClientSocket): ChatMessage[] {
  const received: ChatMessage[] = [];
  socket.on("message", (m) => received.push(m));
  socket.on("message.batch", (b) => received.push(...b.messages));
  return received;
}

export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
