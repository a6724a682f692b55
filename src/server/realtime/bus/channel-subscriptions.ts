import { randomUUID } from "node:crypto";
import calculateSlot from "cluster-key-slot";
import type { RedisClusterType } from "redis";
import type { Logger } from "../../logger.js";
import type { ChatMetrics } from "../../observability/metrics.js";
import type { Redis } from "../../redis/connection.js";

/** Why a subscription was lost: its connection broke, its node failed, or its slot moved. */
export type LossCause = "connection" | "node" | "moved";


export interface ChannelSubscriptionsOptions {
  /** The subscriber connection (one Redis) or the cluster client (one sharded subscriber per master). */
  subscriber: Redis;
  /** Where probes are published (SPUBLISH routes by the channel's slot). */
  publisher: Redis;
  serverId: string;
  /** How long a channel outlives its last holder: reloads and reconnect storms do not churn. */
  releaseDelayMs: number;
  /** Every envelope heard on a held channel, probes excepted. */
  onEnvelope: (raw: string, channel: string) => void;
  /** `lost(channel, at)` when a channel may miss what is published from `at` on (see SubscriptionRecovery). */
  lost: (channel: string, at: number) => void;
  /** `restored(channel)` once it is verifiably heard again: its sockets catch up. */
  restored: (channel: string) => void;
  /** `forgotten(channel)` when a lost channel is let go before it was heard again (no resync owed for it). */
  forgotten?: (channel: string) => void;
  log: Logger;
  metrics?: ChatMetrics;
}

interface Held {
  refs: number;
  /** Resolves once Redis confirmed the SSUBSCRIBE. */
  ready: Promise<void>;
  /** The last SSUBSCRIBE failed (or none was sent yet): the next acquire sends one. */
  failed: boolean;
  releaseTimer?: NodeJS.Timeout;
  /** The master (`host:port`) it was subscribed on, on Redis Cluster. */
  address?: string;
}

interface Lost {
  since: number;
  cause: LossCause;
  token: string;
  /** When to subscribe again ourselves if the client has not restored it by then. */
  resubscribeAt: number;
}

/** How often lost channels are probed until each is heard again. */
const PROBE_EVERY_MS = 250;
/** A lost channel not heard again by then is subscribed again explicitly (the client's own restore failed). */
const RESUBSCRIBE_AFTER_MS = 3000;

/**
 * Sharded pub/sub subscriptions (SSUBSCRIBE), reference counted: `acquire` resolves once Redis
 * confirmed the subscription, `release` drops it after `releaseDelayMs` when nothing holds it. Each
 * channel is its own SSUBSCRIBE (never several slots in one command); node-redis writes the ones
 * issued in the same turn to a node in one pipeline.
 *
 * Every loss of a subscription ends in a resync: when the connection breaks (one Redis), a node of
 * the cluster fails, or a slot moves (`sharded-channel-moved`, a failover or a
 * migration), the channels concerned are probed (a probe of ours SPUBLISHed to each, every 250 ms)
 * until each is heard again, i.e. the client's own re-subscription is live on whichever node serves
 * the slot now. Losses and restorations are reported to SubscriptionRecovery (`lost` / `restored`),
 * which tells the sockets a channel covered to catch up from before the loss. A channel not heard
 * within 3 s is subscribed again explicitly.
 */
export class ChannelSubscriptions {
  private readonly held = new Map<string, Held>();
  private readonly lost = new Map<string, Lost>();
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly cluster: RedisClusterType | undefined;
  private readonly watchedClients = new WeakSet<object>();
  /** How our probes begin: `{"serverId":"…","type":"probe"`. */
  private readonly probePrefix: string;
  private stopped = false;

  constructor(private readonly o: ChannelSubscriptionsOptions) {
    const subscriber = o.subscriber as unknown as Partial<RedisClusterType>;
    this.cluster = subscriber.masters ? (subscriber as RedisClusterType) : undefined;
    this.probePrefix = `{"serverId":${JSON.stringify(o.serverId)},"type":"probe"`;
  }

  start(): void {
    if (this.cluster) {
      this.cluster.on("node-error", this.onNodeTrouble);
    } else {
      this.o.subscriber.on("error", this.onConnectionError);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    if (this.cluster) {
      this.cluster.off("node-error", this.onNodeTrouble);
    } else {
      this.o.subscriber.off("error", this.onConnectionError);
    }
    const channels = [...this.held.keys()];
    for (const held of this.held.values()) clearTimeout(held.releaseTimer);
    this.held.clear();
    this.lost.clear();
    await Promise.allSettled(channels.map((channel) => this.o.subscriber.sUnsubscribe(channel, this.listener)));
  }

  /**
   * Holds `channel`; resolves once the subscription is confirmed, rejects if Redis refused it (the
   * next acquire tries again). Every call, resolved or not, is paired with one `release`.
   */
  acquire(channel: string): Promise<void> {
    const held = this.held.get(channel);
    if (held) {
      held.refs++;
      if (held.releaseTimer) {
        clearTimeout(held.releaseTimer);
        held.releaseTimer = undefined;
      }
      return this.confirmed(channel, held);
    }
    const entry: Held = { refs: 1, ready: Promise.resolve(), failed: true };
    this.held.set(channel, entry);
    this.o.metrics?.busSubscribes.inc();
    return this.confirmed(channel, entry);
  }

  /** Resolves once a channel already held is confirmed (at once for one not held). */
  acquired(channel: string): Promise<void> {
    const held = this.held.get(channel);
    return held ? this.confirmed(channel, held) : Promise.resolve();
  }

  private confirmed(channel: string, held: Held): Promise<void> {
    if (!held.failed) return held.ready;
    held.failed = false;
    const ready = this.subscribe(channel);
    held.ready = ready;
    ready.catch(() => {
      if (held.ready === ready) held.failed = true;
    });
    return ready;
  }

  /** Lets go of one hold on `channel` (taken by an `acquire` that resolved). */
  release(channel: string): void {
    const held = this.held.get(channel);
    if (!held || --held.refs > 0) return;
    if (this.o.releaseDelayMs <= 0) return this.drop(channel);
    held.releaseTimer = setTimeout(() => this.drop(channel), this.o.releaseDelayMs);
    held.releaseTimer.unref();
  }

  /** Channels subscribed now (held, or released and waiting for their delay). */
  get size(): number {
    return this.held.size;
  }

  has(channel: string): boolean {
    return this.held.has(channel);
  }

  /**
   * Channels lost and not heard again yet. Not a readiness signal: the instance still serves every
   * other room, and these rooms' sockets catch up once they are back.
   */
  get lostCount(): number {
    return this.lost.size;
  }

  private drop(channel: string): void {
    const held = this.held.get(channel);
    if (!held || held.refs > 0) return;
    this.held.delete(channel);
    if (this.lost.delete(channel)) this.o.forgotten?.(channel);
    this.o.metrics?.busUnsubscribes.inc();
    this.o.subscriber.sUnsubscribe(channel, this.listener).catch(() => {});
  }

  private async subscribe(channel: string): Promise<void> {
    await this.o.subscriber.sSubscribe(channel, this.listener);
    const held = this.held.get(channel);
    if (held && this.cluster) held.address = this.masterOf(channel);
    this.watchMovedChannels();
  }

  private readonly listener = (raw: string, channel: string): void => {
    if (raw.startsWith(this.probePrefix)) {
      const lost = this.lost.get(channel);
      if (lost && raw.includes(lost.token)) this.heard(channel, lost);
      return;
    }
    this.o.onEnvelope(raw, channel);
  };

  /** One Redis: the subscriber connection broke, so every channel on it is lost. */
  private readonly onConnectionError = (): void => this.lose([...this.held.keys()], "connection");

  /** A cluster node failed or went away: the channels subscribed on it are lost. */
  private readonly onNodeTrouble = (info: { host?: string; port?: number } | undefined): void => {
    const address = info && `${info.host}:${info.port}`;
    const channels: string[] = [];
    for (const [channel, held] of this.held) if (held.address === undefined || held.address === address) channels.push(channel);
    this.lose(channels, "node");
  };

  /**
   * node-redis follows a moved slot by itself, re-subscribing on the new master, but says nothing:
   * hear it from each master's sharded subscriber, so the channel is probed and its sockets resync.
   */
  private watchMovedChannels(): void {
    if (!this.cluster) return;
    for (const master of this.cluster.masters) {
      const client = master.pubSub?.client;
      if (!client || this.watchedClients.has(client)) continue;
      this.watchedClients.add(client);
      client.on("sharded-channel-moved", (channel: string) => this.lose([channel], "moved"));
    }
  }

  private masterOf(channel: string): string | undefined {
    return this.cluster?.slots[calculateSlot(channel)]?.master.address;
  }

  private lose(channels: string[], cause: LossCause): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const channel of channels) {
      if (this.lost.has(channel) || !this.held.has(channel)) continue;
      this.lost.set(channel, { since: now, cause, token: randomUUID(), resubscribeAt: now + RESUBSCRIBE_AFTER_MS });
      this.o.lost(channel, now);
    }
    if (this.lost.size > 0 && !this.probeTimer) {
      this.o.log.warn({ channels: this.lost.size, cause }, "sharded pub/sub subscriptions lost; probing until they are back");
      this.probeTimer = setInterval(() => this.probe(), PROBE_EVERY_MS);
      this.probeTimer.unref();
      this.probe();
    }
  }

  private probe(): void {
    if (this.lost.size === 0) {
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
      return;
    }
    this.watchMovedChannels();
    const now = Date.now();
    for (const [channel, lost] of this.lost) {
      if (now >= lost.resubscribeAt) {
        lost.resubscribeAt = now + RESUBSCRIBE_AFTER_MS;
        // The same listener again is a no-op for node-redis if it did restore the channel.
        this.o.subscriber.sSubscribe(channel, this.listener).catch(() => {});
      }
      const probe = `${this.probePrefix},"data":${JSON.stringify(lost.token)}}`;
      this.o.publisher.sPublish(channel, probe).catch(() => {});
    }
  }

  private heard(channel: string, lost: Lost): void {
    this.lost.delete(channel);
    const held = this.held.get(channel);
    if (held && this.cluster) held.address = this.masterOf(channel);
    this.o.metrics?.resyncs.inc({ cause: lost.cause });
    this.o.restored(channel);
    if (this.lost.size === 0) this.o.log.warn({ cause: lost.cause, downMs: Date.now() - lost.since }, "sharded pub/sub subscriptions restored");
  }
}
