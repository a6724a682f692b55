import { createClient, type RedisClientType, type RedisClusterType } from "redis";
import type { Logger } from "pino";

/**
 * The connection that holds this instance's classic (not sharded) subscriptions, with the one
 * signal recovery needs: from when on it may have missed something.
 */
export interface ChannelSubscriber {
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /**
   * `listener(at)` when, from `at` (ms) on, what is published may not reach this subscriber: its
   * connection failed, or it moved to another node. Once per break; the subscriptions come back by
   * themselves (the owner verifies that, see realtime/subscription-recovery.ts).
   */
  onLost(listener: (at: number) => void): void;
  /** Connected and subscribed now (on Cluster: or moving to another node, until a node failed to take it). */
  readonly live: boolean;
  close(): Promise<void>;
}

type LostListener = (at: number) => void;

/**
 * On one Redis: a dedicated connection in subscriber mode, reconnecting forever; node-redis
 * re-subscribes before it reports `ready`. Every `error` of a connected episode is one break.
 */
export class SingleChannelSubscriber implements ChannelSubscriber {
  private readonly lostListeners: LostListener[] = [];
  private broken = false;

  constructor(private readonly client: RedisClientType) {
    client.on("error", () => {
      if (this.broken) return;
      this.broken = true;
      const at = Date.now();
      for (const listener of this.lostListeners) listener(at);
    });
    client.on("ready", () => (this.broken = false));
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    await this.client.subscribe(channel, listener);
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.client.unsubscribe(channel);
  }

  onLost(listener: LostListener): void {
    this.lostListeners.push(listener);
  }

  get live(): boolean {
    return this.client.isReady;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }
}

/** Between attempts to subscribe somewhere, while no node of the cluster takes the connection. */
const MOVE_RETRY_MS = 200;

/**
 * On Redis Cluster: a connection of our own to ONE node, moved to another node as soon as it fails.
 * A classic PUBLISH reaches every node of a cluster (masters and replicas, over the cluster bus), so
 * any node serves; the cluster client's own pub/sub connection would instead keep reconnecting to a
 * dead node until the topology changes (seconds: node timeout plus election), with this instance's
 * subscription down all the while. Each instance picks a node at random, spreading the fan-out.
 */
export class ClusterChannelSubscriber implements ChannelSubscriber {
  private readonly lostListeners: LostListener[] = [];
  private readonly channels = new Map<string, (message: string) => void>();
  private client: RedisClientType | undefined;
  /** When the current move to another node began (ms), while moving; else 0. */
  private movingSince = 0;
  private closed = false;

  constructor(
    private readonly cluster: RedisClusterType,
    private readonly log: Logger,
    private readonly connectTimeoutMs = 2000,
  ) {}

  /** Connects to a node of the cluster (the first that answers, starting at a random one). */
  async start(): Promise<void> {
    if (!(await this.connectSomewhere())) throw new Error("no node of the Redis Cluster accepts a subscriber connection");
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    this.channels.set(channel, listener);
    await this.client?.subscribe(channel, listener);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.channels.delete(channel);
    await this.client?.unsubscribe(channel);
  }

  onLost(listener: LostListener): void {
    this.lostListeners.push(listener);
  }

  /**
   * A subscription moving to another node is back within milliseconds (about a second on a loaded
   * host), and what it missed is caught up (resync): it counts as live (readiness) until the move
   * has taken longer than one connection attempt may, i.e. until a node failed to take it. With a
   * shorter grace (1 s), every instance whose subscription was on a failed master left the load
   * balancer at once on a loaded host (measured: a move of 1054 ms), over a move about to succeed.
   */
  get live(): boolean {
    if (this.movingSince) return Date.now() - this.movingSince < this.connectTimeoutMs;
    return this.client?.isReady === true;
  }

  /** The node the subscription is on now (`host:port`), if any. */
  get address(): string | undefined {
    const options = this.client?.options?.socket as { host?: string; port?: number } | undefined;
    return options ? `${options.host}:${options.port}` : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => {});
  }

  /** Tries every known master once, the failed one (if any) last. */
  private async connectSomewhere(failed?: string): Promise<boolean> {
    const nodes = [...this.cluster.masters].sort(() => Math.random() - 0.5);
    nodes.sort((a, b) => Number(a.address === failed) - Number(b.address === failed));
    for (const node of nodes) {
      if (this.closed) return false;
      const client = createClient({ socket: { host: node.host, port: node.port, connectTimeout: this.connectTimeoutMs, reconnectStrategy: false } }) as RedisClientType;
      client.on("error", () => this.onError(client, node.address));
      try {
        await client.connect();
        for (const [channel, listener] of this.channels) await client.subscribe(channel, listener);
        if (this.closed) {
          client.destroy();
          return false;
        }
        this.client = client;
        return true;
      } catch {
        client.destroy();
      }
    }
    return false;
  }

  private onError(client: RedisClientType, address: string): void {
    if (client !== this.client || this.closed) return;
    this.client = undefined;
    client.destroy();
    const at = Date.now();
    for (const listener of this.lostListeners) listener(at);
    this.movingSince = at;
    void (async () => {
      while (!this.closed && !(await this.connectSomewhere(address))) await new Promise((r) => setTimeout(r, MOVE_RETRY_MS));
      this.movingSince = 0;
      this.log.warn({ from: address, to: this.address, movedInMs: Date.now() - at }, "pub/sub subscription moved to another node");
    })();
  }
}
