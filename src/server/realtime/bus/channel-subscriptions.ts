import { randomUUID } from "node:crypto";
import calculateSlot from "cluster-key-slot";
import type { RedisClusterType } from "redis";
import type { Logger } from "../../logger.js";
import type { ChatMetrics } from "../../observability/metrics.js";
import type { Redis } from "../../redis/connection.js";
import { ChannelOps } from "./channel-ops.js";
import { SubscriptionAudit, type AuditedSubscriptions } from "./subscription-audit.js";

/**
 * Why a subscription was lost: its connection broke, its node failed, its slot moved, or it was
 * found deaf (believed subscribed, not delivered by its master: see SubscriptionAudit).
 */
export type LossCause = "connection" | "node" | "moved" | "deaf";


export interface ChannelSubscriptionsOptions {
  /** The subscriber connection (one Redis) or the cluster client (one sharded subscriber per master). */
  subscriber: Redis;
  /** Where probes are published (SPUBLISH routes by the channel's slot). */
  publisher: Redis;
  serverId: string;
  /** How long a channel outlives its last holder: reloads and reconnect storms do not churn. */
  releaseDelayMs: number;
  /** On Redis Cluster: the name of this instance's connections, by which the audit finds its subscribers. */
  clientName?: string;
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
  /** Redis confirmed it (counted as subscribed by the audit). */
  subscribed: boolean;
  /**
   * When it was last known to be delivered (ms): subscribed, a probe of ours heard back, or its
   * master counting what we believe. A channel found deaf may have missed what came since.
   */
  verifiedAt: number;
  releaseTimer?: NodeJS.Timeout;
  /** The master (`host:port`) it was subscribed on, on Redis Cluster. */
  address?: string;
}

/** A probe of a channel believed live (an audit's sweep): not heard back by `deadline`, it is deaf. */
interface Check {
  token: string;
  sentAt: number;
  deadline: number;
}

interface Lost {
  since: number;
  cause: LossCause;
  token: string;
  /** When to subscribe again ourselves if the client has not restored it by then. */
  resubscribeAt: number;
  /** A re-subscription of ours is under way. */
  resubscribing?: boolean;
}

/** How often lost channels are probed until each is heard again. */
const PROBE_EVERY_MS = 250;
/** A lost channel not heard again by then is subscribed again explicitly (the client's own restore failed silently). */
const RESUBSCRIBE_AFTER_MS = 3000;
/** After a re-subscription of ours failed (the cluster still disagrees on the slot's owner), the next try. */
const RESUBSCRIBE_RETRY_MS = 250;
/** A sweep's probe not heard back within this long: the channel is deaf (a loaded machine hears one in milliseconds). */
const CHECK_WINDOW_MS = 2000;

/**
 * Sharded pub/sub subscriptions (SSUBSCRIBE), reference counted: `acquire` resolves once Redis
 * confirmed the subscription, `release` drops it after `releaseDelayMs` when nothing holds it. Each
 * channel is its own SSUBSCRIBE (never several slots in one command); node-redis writes the ones
 * issued in the same turn to a node in one pipeline. A channel's SSUBSCRIBEs and SUNSUBSCRIBEs go
 * one at a time, each after the last was answered (never both in flight: see ChannelOps).
 *
 * Every loss of a subscription ends in a resync: when the connection breaks (one Redis), a node of
 * the cluster fails, or a slot moves (`sharded-channel-moved`, a failover or a
 * migration), the channels concerned are probed (a probe of ours SPUBLISHed to each, every 250 ms)
 * until each is heard again, i.e. the client's own re-subscription is live on whichever node serves
 * the slot now. Losses and restorations are reported to SubscriptionRecovery (`lost` / `restored`),
 * which tells the sockets a channel covered to catch up from before the loss. A channel whose
 * re-subscription by node-redis failed (`sharded-channel-moved-error`) is subscribed again at once,
 * one not heard within 3 s explicitly too.
 *
 * On Redis Cluster a SubscriptionAudit also compares what each master counts with what we believe,
 * and sweeps a master that differs or shows trouble: a channel there whose probe is not heard back
 * is deaf (node-redis lost track of it), lost from when it was last verified, and subscribed again.
 */
export class ChannelSubscriptions implements AuditedSubscriptions {
  private readonly held = new Map<string, Held>();
  private readonly lost = new Map<string, Lost>();
  private readonly checks = new Map<string, Check>();
  /** Each channel's SSUBSCRIBEs and SUNSUBSCRIBEs, one at a time. */
  private readonly ops = new ChannelOps((channel) => this.changed(channel));
  /** Per master: subscription changes routed there, started or settled (SubscriptionAudit). */
  private readonly changes = new Map<string, number>();
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly cluster: RedisClusterType | undefined;
  private readonly audit: SubscriptionAudit | undefined;
  private readonly watchedClients = new WeakSet<object>();
  /** How our probes begin: `{"serverId":"…","type":"probe"`. */
  private readonly probePrefix: string;
  private stopped = false;

  constructor(private readonly o: ChannelSubscriptionsOptions) {
    const subscriber = o.subscriber as unknown as Partial<RedisClusterType>;
    this.cluster = subscriber.masters ? (subscriber as RedisClusterType) : undefined;
    this.probePrefix = `{"serverId":${JSON.stringify(o.serverId)},"type":"probe"`;
    if (this.cluster && o.clientName) this.audit = new SubscriptionAudit(this.cluster, o.clientName, this, o.log);
  }

  start(): void {
    if (this.cluster) {
      this.cluster.on("node-error", this.onNodeTrouble);
      this.cluster.on("sharded-channel-moved-error", this.onMoveNotFollowed);
      this.audit?.start();
    } else {
      this.o.subscriber.on("error", this.onConnectionError);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.audit?.stop();
    if (this.cluster) {
      this.cluster.off("node-error", this.onNodeTrouble);
      this.cluster.off("sharded-channel-moved-error", this.onMoveNotFollowed);
    } else {
      this.o.subscriber.off("error", this.onConnectionError);
    }
    const channels = [...this.held.keys()];
    for (const held of this.held.values()) clearTimeout(held.releaseTimer);
    this.held.clear();
    this.lost.clear();
    this.checks.clear();
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
    const entry: Held = { refs: 1, ready: Promise.resolve(), failed: true, subscribed: false, verifiedAt: 0 };
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
      if (held.ready !== ready) return;
      held.failed = true;
      held.subscribed = false;
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
    this.checks.delete(channel);
    if (this.lost.delete(channel)) this.o.forgotten?.(channel);
    this.o.metrics?.busUnsubscribes.inc();
    this.ops.run(channel, () => this.o.subscriber.sUnsubscribe(channel, this.listener)).catch(() => {});
  }

  private subscribe(channel: string): Promise<void> {
    return this.ops.run(channel, async () => {
      await this.o.subscriber.sSubscribe(channel, this.listener);
      const held = this.held.get(channel);
      if (held) {
        held.subscribed = true;
        held.verifiedAt = Date.now();
        if (this.cluster) held.address = this.masterOf(channel);
      }
      this.watchMovedChannels();
    });
  }

  private changed(channel: string): void {
    const address = this.masterOf(channel);
    if (address) this.changes.set(address, (this.changes.get(address) ?? 0) + 1);
  }

  private readonly listener = (raw: string, channel: string): void => {
    if (raw.startsWith(this.probePrefix)) return this.probeHeard(raw, channel);
    this.o.onEnvelope(raw, channel);
  };

  private probeHeard(raw: string, channel: string): void {
    const lost = this.lost.get(channel);
    if (lost && raw.includes(lost.token)) return this.heard(channel, lost);
    const check = this.checks.get(channel);
    if (!check || !raw.includes(check.token)) return;
    this.checks.delete(channel);
    const held = this.held.get(channel);
    if (held) held.verifiedAt = Math.max(held.verifiedAt, check.sentAt);
  }

  believed(): Map<string, string[] | "busy"> {
    const believed = new Map<string, string[] | "busy">();
    // A channel changing is counted by its master, and registered by node-redis where it was (a move
    // node-redis follows registers it on the new master before it is heard there).
    const changing = (channel: string) => {
      const address = this.masterOf(channel);
      if (address) believed.set(address, "busy");
      for (const master of this.cluster?.masters ?? []) {
        if (master.pubSub?.client.getPubSubListeners("SHARDED").has(channel)) believed.set(master.address, "busy");
      }
    };
    for (const channel of this.ops.channels()) changing(channel);
    for (const channel of this.lost.keys()) changing(channel);
    for (const [channel, held] of this.held) {
      const address = this.masterOf(channel);
      if (!address) continue;
      const there = believed.get(address) ?? [];
      if (there === "busy") continue;
      if (held.subscribed) there.push(channel);
      believed.set(address, there);
    }
    return believed;
  }

  changesOn(address: string): number {
    return this.changes.get(address) ?? 0;
  }

  verified(channels: string[], at: number): void {
    for (const channel of channels) {
      const held = this.held.get(channel);
      if (held?.subscribed && !this.lost.has(channel)) held.verifiedAt = Math.max(held.verifiedAt, at);
    }
  }

  /**
   * Probes each channel held on the master at `address` (by the slot map, or registered on its
   * subscriber by node-redis), and unsubscribes strays: channels node-redis subscribed there by
   * itself, following a move it read into a reply, that nothing here holds.
   */
  sweep(address: string): void {
    if (this.stopped || !this.cluster) return;
    const client = this.cluster.masters.find((m) => m.address === address)?.pubSub?.client;
    const registered = client?.getPubSubListeners("SHARDED");
    for (const [channel, held] of this.held) {
      if (!held.subscribed || this.lost.has(channel) || this.checks.has(channel) || this.ops.has(channel)) continue;
      if (this.masterOf(channel) === address || registered?.has(channel)) this.check(channel);
    }
    for (const channel of [...(registered?.keys() ?? [])]) {
      if (this.held.has(channel) || this.ops.has(channel) || this.masterOf(channel) !== address) continue;
      this.o.log.warn({ channel, node: address }, "a sharded channel nothing here holds was subscribed; unsubscribing it");
      this.ops.run(channel, () => client!.sUnsubscribe(channel)).catch(() => {});
    }
  }

  /**
   * Publishes a probe on a channel believed live. Heard back: verified. Not heard within
   * CHECK_WINDOW_MS, or no subscriber at all on the master serving it: deaf.
   */
  private check(channel: string): void {
    const now = Date.now();
    const check: Check = { token: randomUUID(), sentAt: now, deadline: now + CHECK_WINDOW_MS };
    this.checks.set(channel, check);
    this.o.publisher.sPublish(channel, this.probeOf(check.token)).then(
      (receivers) => {
        if (receivers === 0 && this.checks.get(channel) === check) this.deaf(channel);
      },
      () => {},
    );
    this.startTicking();
  }

  /** A channel believed subscribed that its master does not deliver: lost from when it was last verified, subscribed again now. */
  private deaf(channel: string): void {
    this.checks.delete(channel);
    const held = this.held.get(channel);
    if (!held || this.lost.has(channel)) return;
    this.o.log.warn({ channel, verifiedMsAgo: Date.now() - held.verifiedAt }, "sharded channel deaf (subscribed for node-redis, not on its master); subscribing again");
    this.o.metrics?.busDeafChannels.inc();
    this.lose([channel], "deaf", held.verifiedAt);
    const lost = this.lost.get(channel);
    if (lost) void this.resubscribe(channel, lost);
  }

  /** One Redis: the subscriber connection broke, so every channel on it is lost. */
  private readonly onConnectionError = (): void => this.lose([...this.held.keys()], "connection");

  /**
   * A cluster node's connection failed (broken, refused, or node-redis's reply matching broken on
   * it): the channels subscribed on it are lost. node-redis reports it as `node-error` with the
   * error first and the node second.
   */
  private readonly onNodeTrouble = (_err: unknown, node: { host?: string; port?: number } | undefined): void => {
    const address = node && `${node.host}:${node.port}`;
    const channels: string[] = [];
    // One not confirmed yet is on the master its subscription went to.
    for (const [channel, held] of this.held) if ((held.address ?? this.masterOf(channel)) === address) channels.push(channel);
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
      const address = master.address;
      client.on("sharded-channel-moved", (channel: string) => {
        this.lose([channel], "moved");
        // A move is when node-redis can take the master's SUNSUBSCRIBE for another reply (SubscriptionAudit).
        this.audit?.suspect(address);
      });
    }
  }

  /**
   * node-redis's own re-subscription of a moved channel failed: typically the new master answered
   * MOVED, not told yet that it owns the slot (a migration's `SETSLOT … NODE` reaches the masters
   * one at a time, or by gossip). Subscribed again at once, not after RESUBSCRIBE_AFTER_MS.
   */
  private readonly onMoveNotFollowed = (_err: unknown, channel: string): void => {
    if (!this.held.has(channel)) return;
    this.lose([channel], "moved");
    const lost = this.lost.get(channel);
    if (lost) void this.resubscribe(channel, lost);
  };

  /**
   * Subscribes a lost channel again, and probes it at once when Redis confirmed. A failed
   * re-subscription of node-redis, or a move it did not see, leaves the channel's listeners
   * registered on a master's subscriber with no subscription behind them, and an SSUBSCRIBE of a
   * channel with listeners is a no-op: that registration is cleared first, or the channel would stay
   * deaf for good. (A master that no longer serves the slot refuses that SUNSUBSCRIBE with MOVED and
   * the registration stays; harmless, since SSUBSCRIBE goes to the master serving the slot.)
   */
  private async resubscribe(channel: string, lost: Lost): Promise<void> {
    if (lost.resubscribing || this.stopped) return;
    lost.resubscribing = true;
    lost.resubscribeAt = Date.now() + RESUBSCRIBE_AFTER_MS;
    try {
      await this.ops.run(channel, async () => {
        // Let go while it waited its turn: drop() unsubscribes after this.
        if (this.lost.get(channel) !== lost) return;
        if (this.cluster) {
          const stale = this.cluster.masters.flatMap((m) => (m.pubSub?.client.getPubSubListeners("SHARDED").has(channel) ? [m.pubSub.client] : []));
          await Promise.all(stale.map((client) => client.sUnsubscribe(channel, this.listener).catch(() => {})));
        }
        await this.o.subscriber.sSubscribe(channel, this.listener);
        this.watchMovedChannels();
        if (this.lost.get(channel) === lost) this.publishProbe(channel, lost);
      });
    } catch {
      lost.resubscribeAt = Date.now() + RESUBSCRIBE_RETRY_MS;
    } finally {
      lost.resubscribing = false;
    }
  }

  private masterOf(channel: string): string | undefined {
    return this.cluster?.slots[calculateSlot(channel)]?.master.address;
  }

  /** `channels` may miss what is published from `at` on (now unless told: a deaf channel's last verification). */
  private lose(channels: string[], cause: LossCause, at?: number): void {
    if (this.stopped) return;
    const now = Date.now();
    const wasLost = this.lost.size;
    for (const channel of channels) {
      if (this.lost.has(channel) || !this.held.has(channel)) continue;
      this.checks.delete(channel);
      const since = at ?? now;
      this.lost.set(channel, { since, cause, token: randomUUID(), resubscribeAt: now + RESUBSCRIBE_AFTER_MS });
      this.o.lost(channel, since);
    }
    if (wasLost === 0 && this.lost.size > 0) this.o.log.warn({ channels: this.lost.size, cause }, "sharded pub/sub subscriptions lost; probing until they are back");
    if (this.lost.size > wasLost && this.startTicking()) this.tick();
  }

  /** Runs `tick` every PROBE_EVERY_MS while channels are lost or checked; true if it was not running. */
  private startTicking(): boolean {
    if (this.probeTimer) return false;
    this.probeTimer = setInterval(() => this.tick(), PROBE_EVERY_MS);
    this.probeTimer.unref();
    return true;
  }

  private tick(): void {
    if (this.lost.size === 0 && this.checks.size === 0) {
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
      return;
    }
    this.watchMovedChannels();
    const now = Date.now();
    for (const [channel, lost] of this.lost) {
      if (now >= lost.resubscribeAt) void this.resubscribe(channel, lost);
      this.publishProbe(channel, lost);
    }
    for (const [channel, check] of this.checks) if (now >= check.deadline) this.deaf(channel);
  }

  private publishProbe(channel: string, lost: Lost): void {
    this.o.publisher.sPublish(channel, this.probeOf(lost.token)).catch(() => {});
  }

  private probeOf(token: string): string {
    return `${this.probePrefix},"data":${JSON.stringify(token)}}`;
  }

  private heard(channel: string, lost: Lost): void {
    this.lost.delete(channel);
    const held = this.held.get(channel);
    if (held) {
      held.subscribed = true;
      held.verifiedAt = Date.now();
      if (this.cluster) held.address = this.masterOf(channel);
    }
    this.o.metrics?.resyncs.inc({ cause: lost.cause });
    this.o.restored(channel);
    if (this.lost.size === 0) this.o.log.warn({ cause: lost.cause, downMs: Date.now() - lost.since }, "sharded pub/sub subscriptions restored");
  }
}
