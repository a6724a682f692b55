import { messageIdFromMicros } from "../domain/message-ids.js";
import type { Logger } from "../logger.js";
import type { ChatMetrics } from "../observability/metrics.js";
import type { LocalDelivery } from "./delivery.js";

/**
 * What a subscription delivers to this instance's sockets: everything (the seed's `MESSAGES`
 * channel), or the events of some rooms (one room's sharded channel, the channels held on one node).
 */
export type ResyncScope = "everyone" | { roomIds?: Iterable<string>; userIds?: Iterable<number> };

/** Clocks differ between servers and Redis: catch up from a little before the subscription broke. */
export const RESYNC_MARGIN_MS = 10_000;

/**
 * A restored subscription whose episode still has others down waits at most this long for them
 * before its sockets are told to catch up anyway (a node that stays down must not hold back the
 * rooms that are heard again).
 */
export const EPISODE_WAIT_MS = 5_000;
/** Losses reported within this long of an episode's first one belong to it (one break, seen by several owners). */
const EPISODE_JOIN_MS = 2_000;

/** Which sockets catch up. */
interface Scope {
  everyone: boolean;
  roomIds: Set<string>;
  userIds: Set<number>;
}

/**
 * Subscriptions that broke together (one connection, one node): their sockets catch up once, when
 * the last of them is heard again, from the earliest break. One Redis in PUBSUB_MODE=both is the
 * case: `MESSAGES` and every sharded channel share the subscriber connection, and each used to
 * send its own `resync` (every socket twice at least: `MESSAGES` and the global channel).
 */
interface Episode {
  startedAt: number;
  /** When the earliest of its subscriptions broke (ms, this server's clock). */
  since: number;
  /** Its subscriptions still down, with what each covers. */
  down: Map<string, Scope>;
  /** What the subscriptions already back cover: resynced with the last one (or after EPISODE_WAIT_MS). */
  back: Scope;
  timer?: NodeJS.Timeout;
}

function emptyScope(): Scope {
  return { everyone: false, roomIds: new Set(), userIds: new Set() };
}

function widen(scope: Scope, by: ResyncScope | Scope): void {
  if (by === "everyone") {
    scope.everyone = true;
    return;
  }
  if ("everyone" in by && by.everyone) scope.everyone = true;
  for (const roomId of by.roomIds ?? []) scope.roomIds.add(roomId);
  for (const userId of by.userIds ?? []) scope.userIds.add(userId);
}

/**
 * The one rule for every subscription an instance holds (classic or sharded, on one Redis or on
 * Cluster): pub/sub keeps nothing, so from the moment a subscription breaks (its connection fails,
 * its node fails or it moves) what was published on it may never arrive. Its owner reports the
 * break with `lost(subscription, scope, at)`, and `restored(subscription)` once it has verified that
 * the subscription is live again (a probe heard back, a re-subscription confirmed); then the sockets
 * it covered are told `resync {since}` from just before the break and fetch what they missed.
 *
 * `subscription` is any name the owner chooses (`MESSAGES`, `node:127.0.0.1:7001`, a channel);
 * reports of one subscription during one episode merge: the earliest time, the widest scope.
 * Subscriptions lost together form one episode, resynced once (see Episode).
 */
export class SubscriptionRecovery {
  /** Subscription -> the episode it is down in. */
  private readonly losses = new Map<string, Episode>();
  /** The episode new losses join while it is young (EPISODE_JOIN_MS). */
  private current: Episode | undefined;

  constructor(
    private readonly delivery: LocalDelivery,
    private readonly log: Logger,
    private readonly metrics?: ChatMetrics,
  ) {}

  /** `subscription`, covering `scope`, may have missed what was published from `at` (ms) on. */
  lost(subscription: string, scope: ResyncScope, at = Date.now()): void {
    let episode = this.losses.get(subscription);
    if (!episode) {
      const current = this.current;
      if (current && current.down.size > 0 && Math.abs(at - current.startedAt) <= EPISODE_JOIN_MS) episode = current;
      else {
        episode = { startedAt: at, since: at, down: new Map(), back: emptyScope() };
        this.current = episode;
      }
      episode.down.set(subscription, emptyScope());
      this.losses.set(subscription, episode);
      this.log.warn({ subscription }, "pub/sub subscription lost; its sockets will catch up once it is back");
    }
    episode.since = Math.min(episode.since, at);
    widen(episode.down.get(subscription)!, scope);
  }

  /** `subscription` is verifiably live again: its sockets catch up from just before the break. */
  restored(subscription: string): void {
    const episode = this.losses.get(subscription);
    if (!episode) return;
    this.losses.delete(subscription);
    const scope = episode.down.get(subscription)!;
    episode.down.delete(subscription);
    widen(episode.back, scope);
    this.log.warn({ subscription, downMs: Date.now() - episode.since }, "pub/sub subscription restored; clients catch up");
    this.settle(episode);
  }

  /**
   * `subscription` was given up while down (nothing here needs it any more): it no longer holds
   * back its episode, and nobody catches up on it.
   */
  forget(subscription: string): void {
    const episode = this.losses.get(subscription);
    if (!episode) return;
    this.losses.delete(subscription);
    episode.down.delete(subscription);
    this.settle(episode);
  }

  /** True from `lost(subscription)` until `restored(subscription)`. */
  isLost(subscription: string): boolean {
    return this.losses.has(subscription);
  }

  /** Subscriptions lost and not yet restored. */
  get outstanding(): string[] {
    return [...this.losses.keys()];
  }

  /** Resyncs what is back once nothing of the episode is down, or after EPISODE_WAIT_MS at most. */
  private settle(episode: Episode): void {
    if (episode.down.size === 0) {
      if (this.current === episode) this.current = undefined;
      return this.resync(episode);
    }
    if (episode.timer || !this.hasScope(episode.back)) return;
    episode.timer = setTimeout(() => this.resync(episode), EPISODE_WAIT_MS);
    episode.timer.unref();
  }

  private hasScope(scope: Scope): boolean {
    return scope.everyone || scope.roomIds.size > 0 || scope.userIds.size > 0;
  }

  private resync(episode: Episode): void {
    clearTimeout(episode.timer);
    episode.timer = undefined;
    const scope = episode.back;
    episode.back = emptyScope();
    if (!this.hasScope(scope)) return;
    const since = messageIdFromMicros((episode.since - RESYNC_MARGIN_MS) * 1000);
    this.metrics?.pubsubResyncs.inc();
    if (scope.everyone) this.delivery.resync(since);
    else this.delivery.resync(since, [...scope.roomIds], [...scope.userIds]);
  }
}
