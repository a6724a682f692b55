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

interface Loss {
  /** When the subscription broke (ms, this server's clock): the earliest break of the episode. */
  since: number;
  /** Every socket (`everyone`) or the rooms whose sockets catch up. */
  everyone: boolean;
  roomIds: Set<string>;
  userIds: Set<number>;
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
 */
export class SubscriptionRecovery {
  private readonly losses = new Map<string, Loss>();

  constructor(
    private readonly delivery: LocalDelivery,
    private readonly log: Logger,
    private readonly metrics?: ChatMetrics,
  ) {}

  /** `subscription`, covering `scope`, may have missed what was published from `at` (ms) on. */
  lost(subscription: string, scope: ResyncScope, at = Date.now()): void {
    let loss = this.losses.get(subscription);
    if (!loss) {
      loss = { since: at, everyone: false, roomIds: new Set(), userIds: new Set() };
      this.losses.set(subscription, loss);
      this.log.warn({ subscription }, "pub/sub subscription lost; its sockets will catch up once it is back");
    }
    loss.since = Math.min(loss.since, at);
    if (scope === "everyone") loss.everyone = true;
    else {
      for (const roomId of scope.roomIds ?? []) loss.roomIds.add(roomId);
      for (const userId of scope.userIds ?? []) loss.userIds.add(userId);
    }
  }

  /** `subscription` is verifiably live again: its sockets catch up from just before the break. */
  restored(subscription: string): void {
    const loss = this.losses.get(subscription);
    if (!loss) return;
    this.losses.delete(subscription);
    const since = messageIdFromMicros((loss.since - RESYNC_MARGIN_MS) * 1000);
    this.log.warn({ subscription, downMs: Date.now() - loss.since }, "pub/sub subscription restored; clients catch up");
    this.metrics?.pubsubResyncs.inc();
    if (loss.everyone) this.delivery.resync(since);
    else this.delivery.resync(since, [...loss.roomIds], [...loss.userIds]);
  }

  /** True from `lost(subscription)` until `restored(subscription)`. */
  isLost(subscription: string): boolean {
    return this.losses.has(subscription);
  }

  /** Subscriptions lost and not yet restored. */
  get outstanding(): string[] {
    return [...this.losses.keys()];
  }
}
