/** Opening and closing the agent's sockets (WebSocket only, one connection each, no reconnection). */
import { io } from "socket.io-client";
import type { ConnectResult, SocketSpec } from "../agent-protocol.js";
import { mapLimit } from "../limit.js";
import { attach } from "./receive.js";
import { counters, slots, type ChatSocket, type Slot } from "./state.js";

function connectOne(spec: SocketSpec, timeoutMs: number): Promise<ChatSocket> {
  return new Promise((resolve, reject) => {
    const socket: ChatSocket = io(spec.url, {
      transports: ["websocket"],
      extraHeaders: { cookie: spec.cookie },
      auth: { batch: spec.batch },
      reconnection: false,
      forceNew: true,
      timeout: timeoutMs,
    });
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("connect timeout"));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("connect_error", (err: Error) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
  });
}

export async function connect(specs: SocketSpec[], concurrency: number, timeoutMs: number): Promise<ConnectResult> {
  const startedAt = performance.now();
  const doneAtMs: number[] = [];
  const errors = new Map<string, number>();
  let failed = 0;
  await mapLimit(specs, concurrency, async (spec) => {
    const slot: Slot = { spec, socket: null, recv: new Map() };
    try {
      const socket = await connectOne(spec, timeoutMs);
      slot.socket = socket;
      slots.set(spec.index, slot);
      attach(slot, socket);
      counters.connected++;
      doneAtMs.push(performance.now() - startedAt);
    } catch (err) {
      failed++;
      const text = err instanceof Error ? err.message : String(err);
      errors.set(text, (errors.get(text) ?? 0) + 1);
    }
  });
  return {
    connected: doneAtMs.length,
    failed,
    errors: [...errors].map(([text, n]) => `${n}x ${text}`),
    doneAtMs,
    startedAt,
  };
}

export async function disconnectAll(): Promise<number> {
  let closed = 0;
  for (const slot of slots.values()) {
    slot.socket?.removeAllListeners("disconnect");
    slot.socket?.close();
    slot.socket = null;
    closed++;
  }
  slots.clear();
  counters.connected = 0;
  return closed;
}

