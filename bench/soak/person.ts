/**
 * One person of the soak scenario: a socket that is cut and reconnects (to either instance), and
 * what it holds of each of its rooms, kept the way the web client keeps it: live deliveries, and
 * after every reconnect a catch-up (`GET /room/:id/messages?after=`) from what it held when the
 * connection broke, retried until it succeeds.
 */
import { io, type Socket } from "socket.io-client";
import { ChatMessage, compareMessageIds, type ClientToServerEvents, type MessageAck, type ServerToClientEvents } from "../../src/protocol/index.js";
import { CATCH_UP_SIZE, CatchUpCursors, catchUpRoom, type CatchUpDeps } from "../../src/client/lib/catchUp.js";
import { sleep } from "../limit.js";
import type { BenchUser } from "../users.js";

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Text of every soak message begins with this (messages of other scenarios are ignored). */
export const SOAK_TAG = "soak:";
const ACK_TIMEOUT_MS = 5000;

/** What every person adds to, for the report. */
export interface SoakCounters {
  sent: number;
  acked: number;
  refused: number;
  live: number;
  caughtUp: number;
  duplicates: number;
  leaked: number;
  edits: number;
  reactions: number;
  typing: number;
  connects: number;
  connectFailures: number;
  catchUpFailures: number;
  changeEvents: number;
  /** Live deliveries older than one delivered before them on the same connection (ids are in stored order). */
  outOfOrder: number;
}

export function newCounters(): SoakCounters {
  return { sent: 0, acked: 0, refused: 0, live: 0, caughtUp: 0, duplicates: 0, leaked: 0, edits: 0, reactions: 0, typing: 0, connects: 0, connectFailures: 0, catchUpFailures: 0, changeEvents: 0, outOfOrder: 0 };
}

interface Pending {
  roomId: string;
  text: string;
  clientId: string;
}

export class Person {
  /** roomId -> ids held */
  readonly held = new Map<string, Set<string>>();
  /** Where each room's catch-up stands: the web client's own logic (src/client/lib/catchUp.ts). */
  private readonly cursors = new CatchUpCursors();
  private readonly catchUpDeps: CatchUpDeps;
  private socket: ChatSocket | null = null;
  /** Bumped on every connection: work of an earlier one stops. */
  private generation = 0;
  private liveSeen = new Set<string>();
  /** roomId -> newest id delivered live on the current connection */
  private newestLive = new Map<string, string>();
  private readonly outbox = new Map<string, Pending>();
  /** Own acknowledged messages (for edits). */
  private readonly own: { roomId: string; id: string }[] = [];
  private seq = 0;
  private connects = 0;
  stopped = false;

  constructor(
    readonly user: BenchUser,
    readonly rooms: string[],
    private readonly urls: string[],
    private readonly batch: boolean,
    private readonly counters: SoakCounters,
    startCursor: string,
  ) {
    for (const room of rooms) {
      this.held.set(room, new Set());
      this.cursors.rewind(room, startCursor);
    }
    this.catchUpDeps = {
      cursors: this.cursors,
      fetchAfter: async (roomId, after) => {
        const url = this.urls[(this.user.n + this.connects) % this.urls.length]!;
        const res = await fetch(`${url}/room/${encodeURIComponent(roomId)}/messages?after=${after}&size=${CATCH_UP_SIZE}`, { headers: { cookie: this.user.cookie } });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        return ChatMessage.array().parse(await res.json());
      },
      arrived: (roomId, page) => {
        for (const m of page) if (m.message.startsWith(SOAK_TAG) && this.hold(roomId, m.id)) this.counters.caughtUp++;
      },
      retryable: () => {
        this.counters.catchUpFailures++;
        return true;
      },
      gaveUp: () => {},
      sleep,
    };
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Caught up in every room, nothing left to send. */
  get settled(): boolean {
    return this.connected && this.rooms.every((room) => this.cursors.cursor(room) === undefined) && this.outbox.size === 0;
  }

  /** Connects to the next instance in turn; on failure tries again (bounded by `stopped`). */
  async connect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const url = this.urls[(this.user.n + this.connects++) % this.urls.length]!;
      try {
        await this.open(url);
        return;
      } catch {
        this.counters.connectFailures++;
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  }

  private open(url: string): Promise<void> {
    const socket: ChatSocket = io(url, {
      transports: ["websocket"],
      extraHeaders: { cookie: this.user.cookie },
      auth: { batch: this.batch },
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
    });
    const generation = ++this.generation;
    this.liveSeen = new Set();
    this.newestLive = new Map();
    socket.on("message", (m) => this.onLive(generation, [m]));
    socket.on("message.batch", (b) => this.onLive(generation, b.messages));
    socket.on("message.updated", () => void this.counters.changeEvents++);
    socket.on("reaction.updated", () => void this.counters.changeEvents++);
    // The server's subscription broke: catch up every room from the time it names.
    socket.on("resync", ({ since }) => {
      for (const room of this.rooms) this.cursors.rewind(room, since);
      this.catchUpAll(generation);
    });
    return new Promise((resolve, reject) => {
      socket.once("connect", () => {
        this.socket = socket;
        this.counters.connects++;
        socket.on("disconnect", () => this.onBreak(socket));
        this.catchUpAll(generation);
        this.flushOutbox();
        resolve();
      });
      socket.once("connect_error", (err) => {
        socket.close();
        reject(err);
      });
    });
  }

  /** Where each room stood, before anything else can arrive; then reconnect elsewhere. */
  private onBreak(socket: ChatSocket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.cursors.broke(this.rooms);
    if (!this.stopped) void sleep(Math.random() * 300).then(() => this.connect());
  }

  /** A clean close or a cut connection (the transport closes under the socket), then a reconnect. */
  cut(kind: "close" | "cut"): void {
    const socket = this.socket;
    if (!socket) return;
    if (kind === "close") {
      socket.disconnect();
      this.onBreak(socket);
    } else {
      socket.io.engine.close();
    }
  }

  async closeForGood(): Promise<void> {
    this.stopped = true;
    const socket = this.socket;
    this.socket = null;
    socket?.removeAllListeners();
    socket?.disconnect();
  }

  private onLive(generation: number, messages: ChatMessage[]): void {
    if (generation !== this.generation) return;
    for (const m of messages) {
      if (!m.message.startsWith(SOAK_TAG)) continue;
      if (!this.held.has(m.roomId)) {
        this.counters.leaked++;
        continue;
      }
      if (this.liveSeen.has(m.id)) {
        this.counters.duplicates++;
        continue;
      }
      this.liveSeen.add(m.id);
      this.counters.live++;
      const newestLive = this.newestLive.get(m.roomId);
      if (newestLive && compareMessageIds(m.id, newestLive) < 0) this.counters.outOfOrder++;
      else this.newestLive.set(m.roomId, m.id);
      this.hold(m.roomId, m.id);
      this.cursors.heardOf(m.roomId, [m]);
    }
  }

  /** Holds a message; true when it was not held yet. */
  private hold(roomId: string, id: string): boolean {
    const set = this.held.get(roomId)!;
    const isNew = !set.has(id);
    set.add(id);
    return isNew;
  }

  private catchUpAll(generation: number): void {
    const { rooms, current } = this.cursors.begin();
    const stillCurrent = () => current() && generation === this.generation && !this.stopped;
    for (const [room] of rooms) void catchUpRoom(room, stillCurrent, this.catchUpDeps);
  }

  /** Sends one message into one of its rooms (kept until acknowledged, resent after a reconnect). */
  send(roomId: string): void {
    const clientId = `soak-${this.user.n}-${++this.seq}`;
    const item = { roomId, clientId, text: `${SOAK_TAG}${clientId}` };
    this.outbox.set(clientId, item);
    this.counters.sent++;
    this.emit(item);
  }

  private flushOutbox(): void {
    for (const item of this.outbox.values()) this.emit(item);
  }

  private emit(item: Pending): void {
    const socket = this.socket;
    if (!socket?.connected) return;
    const answer = socket.timeout(ACK_TIMEOUT_MS).emitWithAck("message", { roomId: item.roomId, message: item.text, clientId: item.clientId }) as Promise<MessageAck>;
    answer.then(
      (ack) => {
        if (!this.outbox.has(item.clientId)) return;
        if (!ack.ok) {
          this.counters.refused++;
          return;
        }
        this.outbox.delete(item.clientId);
        this.counters.acked++;
        this.hold(item.roomId, ack.message.id);
        this.own.push({ roomId: item.roomId, id: ack.message.id });
        if (this.own.length > 20) this.own.shift();
      },
      () => {}, // no answer: resent after the next reconnect
    );
  }

  /** Edits one of its recent messages (the tag stays, so the message still counts). */
  edit(): void {
    const mine = this.own[Math.floor(Math.random() * this.own.length)];
    if (!mine || !this.socket?.connected) return;
    this.counters.edits++;
    this.socket.emit("message.edit", { roomId: mine.roomId, id: mine.id, message: `${SOAK_TAG}edited ${mine.id}` });
  }

  react(roomId: string): void {
    const newest = [...this.held.get(roomId)!].at(-1);
    if (!newest || !this.socket?.connected) return;
    this.counters.reactions++;
    this.socket.emit(Math.random() < 0.5 ? "reaction.add" : "reaction.remove", { roomId, id: newest, emoji: "👍" });
  }

  type(roomId: string): void {
    if (!this.socket?.connected) return;
    this.counters.typing++;
    this.socket.emit("typing", { roomId });
  }

  /** Sends what is still waiting (at the end, on the current connection). */
  retryOutbox(): void {
    this.flushOutbox();
  }
}
