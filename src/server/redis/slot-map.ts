import type { RedisClusterType } from "redis";

/** Redis Cluster's hash slots: 0 to 16383. */
const SLOTS = 16384;
/** How often the slot map is checked for holes, and a refresh retried while it has some. */
const CHECK_EVERY_MS = 500;

/**
 * Keeps the cluster client's slot map whole. node-redis refreshes it from one node's `CLUSTER
 * SLOTS`; a refresh during a failover can get an answer lacking a range (seen under load in
 * test/scaling/cluster-faults.test.ts, node-redis issue #2704), and every command for those slots
 * then throws a TypeError before reaching Redis ("reading 'master'"), so no MOVED or connection
 * error ever makes node-redis refresh again: the rooms of that range stayed unavailable for good.
 * Checked after every topology event and every CHECK_EVERY_MS; a map with holes is refreshed again.
 */
export class SlotMapRepair {
  private readonly timer: NodeJS.Timeout;
  private repairing = false;

  constructor(
    private readonly cluster: RedisClusterType,
    private readonly onRepaired?: (missing: number) => void,
  ) {
    for (const event of ["node-ready", "node-disconnect", "node-error"]) cluster.on(event, () => this.check());
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Slots the client's map has no master for. */
  missing(): number {
    if (!this.cluster.isReady) return 0;
    const slots = this.cluster.slots;
    let missing = 0;
    for (let slot = 0; slot < SLOTS; slot++) if (!slots[slot]?.master) missing++;
    return missing;
  }

  private check(): void {
    if (this.repairing) return;
    const missing = this.missing();
    if (missing === 0) return;
    this.repairing = true;
    // `_slots` is typed public API of the cluster client (its slot map); rediscover asks the known
    // nodes, then the root nodes, and is shared with a refresh already under way.
    this.cluster._slots
      .rediscover()
      .catch(() => {})
      .finally(() => {
        this.repairing = false;
        if (this.missing() === 0) this.onRepaired?.(missing);
      });
  }
}
