import type { ChatContext } from "../context.js";
import type { ChatServer, SocketGateway } from "./gateway.js";

/**
 * Periodic upkeep of one instance: renews its presence heartbeat, rewrites its presence counts
 * when Redis may have missed some (after an outage, or after other servers took it for dead),
 * cleans up after instances that died without doing so (their users go offline), and drops
 * connections that stopped reading (their queued output is capped so one slow client cannot grow
 * server memory without bound).
 */
export class Liveness {
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly io: ChatServer,
    private readonly ctx: ChatContext,
    private readonly gateway: SocketGateway,
  ) {}

  async start(): Promise<void> {
    await this.ctx.presence.heartbeat();
    // Back from a Redis outage: writes made meanwhile failed, so rewrite this server's counts now.
    this.ctx.redis.on("ready", this.onRedisReady);
    const every = (ms: number, task: () => Promise<void> | void) => {
      const timer = setInterval(() => {
        Promise.resolve(task()).catch((err) => this.ctx.log.debug({ err: String(err) }, "upkeep failed; retrying"));
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.ctx.config.presenceHeartbeatMs, async () => {
      const expired = await this.ctx.presence.heartbeat();
      if (expired || this.ctx.presence.needsReconcile) await this.reconcile();
      await this.sweep();
      // Users other servers registered meanwhile: one GET when there are none.
      await this.ctx.nameIndex.check();
    });
    every(1000, () => this.dropSlowConnections());
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.ctx.redis.off("ready", this.onRedisReady);
  }

  private readonly onRedisReady = () => {
    if (this.ctx.presence.needsReconcile) this.reconcile().catch(() => {});
  };

  async reconcile(): Promise<void> {
    const { online, offline } = await this.ctx.presence.reconcile();
    await this.announce(online, true);
    await this.announce(offline, false);
  }

  async sweep(includeSelf = false): Promise<void> {
    await this.announce(await this.ctx.presence.sweep(includeSelf), false);
  }

  private async announce(userIds: number[], online: boolean): Promise<void> {
    if (userIds.length === 0) return;
    const names = await this.ctx.users.usernames(userIds);
    for (const id of userIds) this.gateway.announcePresence({ id, username: names.get(id) ?? String(id) }, online);
  }

  dropSlowConnections(): void {
    const limit = this.ctx.config.maxBufferedBytes;
    for (const socket of this.io.of("/").sockets.values()) {
      const queued = bufferedBytes(socket.conn);
      if (queued > limit) this.drop(socket, queued);
    }
  }

  private drop(socket: SlowSocketCandidate, queued: number): void {
    this.ctx.log.warn({ userId: socket.data.user?.id, queued }, "dropping a connection that stopped reading");
    this.ctx.metrics.slowClientDisconnects.inc();
    // A graceful close keeps the queue until the peer reads it (engine.io waits for its buffer to
    // drain, up to the ping timeout; ws waits 30 s for the close frame): end the connection now.
    const conn = socket.conn as { transport?: { socket?: { terminate?: () => void } }; close?: (discard?: boolean) => void };
    conn.transport?.socket?.terminate?.();
    conn.close?.(true);
    socket.disconnect(true);
  }
}

type SlowSocketCandidate = { conn: unknown; connected: boolean; data: { user?: { id: number } }; disconnect(close: boolean): unknown };

/** Output waiting for one connection: engine.io's packet queue plus the socket's unsent bytes. */
export function bufferedBytes(conn: unknown): number {
  const c = conn as {
    writeBuffer?: { data?: unknown }[];
    transport?: { socket?: { bufferedAmount?: number; _socket?: { writableLength?: number } } };
  };
  let bytes = 0;
  for (const packet of c.writeBuffer ?? []) {
    const data = packet.data;
    bytes += typeof data === "string" ? data.length : data instanceof Buffer ? data.length : 64;
  }
  const ws = c.transport?.socket;
  bytes += (ws?._socket?.writableLength ?? 0) + (ws?.bufferedAmount ?? 0);
  return bytes;
}
