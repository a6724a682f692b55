import { createClient, type RedisClientType } from "redis";
import { compareMessageIds, type ChatMessage, type MessageAck, type PresenceUser } from "../../src/protocol/index.js";
import { api, connect, login, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";

/** Shared by the resilience and scaling tests: small client-side building blocks. */

export const PASSWORD = "password123";

/** Registers (or signs in) users in order, so that on a fresh Redis they get ids 1, 2, 3... */
export async function signUp<const N extends string[]>(url: string, ...names: N): Promise<{ [K in keyof N]: SignedIn }> {
  const out: SignedIn[] = [];
  for (const name of names) out.push(await login(url, name, PASSWORD));
  return out as { [K in keyof N]: SignedIn };
}

/** A plain node-redis client for the test itself (raw PUBLISH / SUBSCRIBE / reads). */
export async function rawRedis(url: string): Promise<RedisClientType> {
  const client = createClient({ url, socket: { reconnectStrategy: false } }) as RedisClientType;
  client.on("error", () => {});
  await client.connect();
  return client;
}

/**
 * Every message of a room after `afterId` (from the start by default), oldest first, read page by
 * page with `?after=` as the web client reads it: a page may begin with seed messages of the
 * cursor's second sorting before it (stored after it, see Messages.after), kept once, and paging
 * goes on from the newest id after the cursor.
 */
export async function readAllAfter(url: string, cookie: string, roomId: string, afterId = "0"): Promise<ChatMessage[]> {
  const out = new Map<string, ChatMessage>();
  let after = afterId;
  for (;;) {
    const res = await api(url, `/room/${encodeURIComponent(roomId)}/messages?after=${after}&size=100`, cookie);
    if (res.status !== 200) throw new Error(`GET messages after ${after}: ${res.status} ${JSON.stringify(res.body)}`);
    const page = res.body as ChatMessage[];
    const fresh = page.filter((m) => compareMessageIds(m.id, after) > 0);
    for (const m of page) out.set(m.id, m);
    if (fresh.length < 100) return [...out.values()].sort((a, b) => compareMessageIds(a.id, b.id));
    after = fresh[fresh.length - 1]!.id;
  }
}

/** Every message of a room, oldest first, read with the seed's `?offset=&size=` pages (newest first). */
export async function readAllPages(url: string, cookie: string, roomId: string): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for (let offset = 0; ; offset += 100) {
    const res = await api(url, `/room/${encodeURIComponent(roomId)}/messages?offset=${offset}&size=100`, cookie);
    if (res.status !== 200) throw new Error(`GET messages offset ${offset}: ${res.status}`);
    const page = res.body as ChatMessage[];
    out.push(...page);
    if (page.length < 100) return out.reverse();
  }
}

/** Presence events a socket receives, in order. */
export function collectPresence(socket: ClientSocket): PresenceUser[] {
  const events: PresenceUser[] = [];
  socket.on("user.connected", (u) => events.push(u));
  socket.on("user.disconnected", (u) => events.push(u));
  socket.on("presence.batch", (b) => events.push(...b.users));
  return events;
}

/** Counts of each value in a list. */
export function tally<T>(values: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

export function duplicates<T>(values: T[]): T[] {
  return [...tally(values)].filter(([, n]) => n > 1).map(([v]) => v);
}

export interface Outgoing {
  index: number;
  clientId: string;
  text: string;
  /** Set once the server acknowledged with `{ok: true}`. */
  ack?: ChatMessage;
  /** How many times it was emitted. */
  attempts: number;
}

/**
 * What a real client does to not lose what it sends: every message carries a clientId; it stays
 * pending until acknowledged `{ok: true}`; after a reconnect (to any instance) or a refusal because
 * the database is down, pending messages are sent again, in order, with the same clientId.
 */
export class ReliableSender {
  readonly outgoing: Outgoing[] = [];
  readonly refusals: string[] = [];
  private socket: ClientSocket | undefined;

  constructor(private readonly roomId: string, private readonly prefix: string) {}

  attach(socket: ClientSocket): void {
    this.socket = socket;
  }

  /** Queues message `index` and emits it on the current socket (if any). */
  send(index: number): Outgoing {
    const item: Outgoing = { index, clientId: `${this.prefix}-${index}`, text: `${this.prefix} message ${index}`, attempts: 0 };
    this.outgoing.push(item);
    this.emit(item);
    return item;
  }

  pending(): Outgoing[] {
    return this.outgoing.filter((o) => !o.ack);
  }

  acked(): Outgoing[] {
    return this.outgoing.filter((o) => o.ack);
  }

  /** Sends every unacknowledged message again, in order, on the current socket. */
  resendPending(): Outgoing[] {
    const pending = this.pending();
    for (const item of pending) this.emit(item);
    return pending;
  }

  private emit(item: Outgoing): void {
    const socket = this.socket;
    if (!socket || !socket.connected) return;
    item.attempts++;
    socket.emit("message", { roomId: this.roomId, message: item.text, clientId: item.clientId }, (answer: MessageAck) => {
      if (answer.ok) item.ack ??= answer.message;
      else this.refusals.push(answer.error);
    });
  }
}

/** Connects, retrying while the instance is not (yet) accepting. */
export async function connectWithRetry(url: string, cookie: string, timeoutMs = 10_000): Promise<ClientSocket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect(url, cookie);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

/** Waits until nothing new has arrived for `quietMs` (to assert that something did NOT happen). */
export async function settle(counter: () => number, quietMs = 400, maxMs = 5000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = counter();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(50);
    const now = counter();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}
