import type { RedisClusterType } from "redis";

/** How often to check, while a master is failing, whether its slots are served again. */
const CHECK_EVERY_MS = 100;

/**
 * Failures of Redis Cluster masters, as this instance's cluster client sees them. The cluster client
 * reports a node's broken connection as `node-error` (never `error`); a master's episode ends when
 * its connection is ready again, or when it is no longer a master in the client's topology (its
 * replica was promoted and the topology refreshed): from then on its slots are served.
 */
export class NodeFailures {
  private readonly failing = new Map<string, number>();
  private readonly failedListeners: ((address: string, at: number) => void)[] = [];
  private readonly servedListeners: ((address: string) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly cluster: RedisClusterType) {
    cluster.on("node-error", (_err: Error, node: { host: string; port: number }) => this.nodeFailed(`${node.host}:${node.port}`));
    cluster.on("node-ready", () => this.check());
    cluster.on("node-disconnect", () => this.check());
  }

  /** `listener(address, at)` when master `address` fails (once per episode). */
  onFailed(listener: (address: string, at: number) => void): void {
    this.failedListeners.push(listener);
  }

  /** `listener(address)` when the slots of the failed master `address` are served again. */
  onServed(listener: (address: string) => void): void {
    this.servedListeners.push(listener);
  }

  /** Masters failing now. */
  get addresses(): string[] {
    return [...this.failing.keys()];
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private nodeFailed(address: string): void {
    if (this.failing.has(address)) return;
    const master = this.cluster.masters.find((m) => m.address === address);
    // node-redis names only the node, not which of its connections failed. With the data connection
    // still ready, the master serves its slots: it was another connection to it (its sharded
    // subscriber, whose channels the bus loses and probes itself). Taken for the master's failure,
    // every refused reconnect attempt of that subscriber (a master at its client limit) was one
    // more failure "served again" 100 ms later: every socket of the instance resynced each time.
    // A master that really fails breaks its data connection too (isReady is false before its
    // error is emitted), and that node-error, in whichever order it comes, starts the episode.
    if (!master || master.client?.isReady === true) return;
    const at = Date.now();
    this.failing.set(address, at);
    for (const listener of this.failedListeners) listener(address, at);
    this.timer ??= setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  private check(): void {
    for (const address of this.failing.keys()) {
      const master = this.cluster.masters.find((m) => m.address === address);
      if (master && master.client?.isReady !== true) continue;
      this.failing.delete(address);
      for (const listener of this.servedListeners) listener(address);
    }
    if (this.failing.size === 0) this.stop();
  }
}
