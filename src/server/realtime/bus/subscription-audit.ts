import calculateSlot from "cluster-key-slot";
import type { RedisClusterType } from "redis";
import type { Logger } from "../../logger.js";

/** What the audit needs of the channels it audits (ChannelSubscriptions). */
export interface AuditedSubscriptions {
  /**
   * Per master (`host:port`): the channels believed subscribed there now, or `busy` while a change
   * of one of them is under way, there or registered there by node-redis (neither the master's count
   * nor node-redis's registrations would match ours yet).
   */
  believed(): Map<string, string[] | "busy">;
  /** Counts the subscription changes routed to `address`, started or settled: an audit spanning one is void. */
  changesOn(address: string): number;
  /** The master counted as many as we believe at `at`: these channels were heard then. */
  verified(channels: string[], at: number): void;
  /** Probes each channel held on the master at `address` (deaf ones are subscribed again) and lets go of strays there. */
  sweep(address: string): void;
}

/** How often each master's count of our subscriptions is compared with ours. */
export const AUDIT_EVERY_MS = 5000;
/** A sign of trouble on a master's subscriber is acted on this long after (a burst of moves makes one sweep). */
const SUSPECT_DELAY_MS = 250;
/** At most one sweep of a master this often. */
const SWEEP_GAP_MS = 2000;
/** A master whose audits keep meeting changes under way is swept after this many in a row. */
const SKIPS_BEFORE_SWEEP = 3;

interface Node {
  /** An audit of this master is waiting for its answer (a stalled master gets no second one). */
  auditing: boolean;
  /** Audits in a row voided by changes under way. */
  skips: number;
  lastSweep: number;
  sweepTimer?: NodeJS.Timeout;
  /** Client ids of our pub/sub connections there, from the last full listing. */
  ids: string[];
}

/**
 * Checks, on Redis Cluster, that every master delivers the sharded channels this instance believes
 * it subscribed there. node-redis can believe a channel subscribed that its master dropped: it takes
 * the SUNSUBSCRIBE push a master sends when a slot moves away for the reply to whatever
 * SSUBSCRIBE or SUNSUBSCRIBE of ours it awaits on that master, so the moved channel is neither
 * followed nor reported (a deaf channel), and the reply it displaced is taken for another move
 * (node-redis then subscribes a channel nobody holds: a stray) or breaks its reply matching.
 *
 * Every AUDIT_EVERY_MS, the channels node-redis registered on each master's subscriber are compared
 * with those we believe subscribed there (no command; a stray there can make up a deaf channel in
 * the master's count), then each master is asked for its count of our sharded subscriptions (CLIENT LIST,
 * the `ssub` of the connections named after this instance: one command per master, whatever the
 * number of channels; by client id once they are known, so the answer does not list every other
 * instance's connections too), compared with the channels we believe subscribed there. Both equal: they were all
 * heard then. Either different (or a move, or node-redis's failure to follow one, seen on that master's
 * subscriber: `suspect`): its channels are swept, each probed once (ChannelSubscriptions), and a
 * channel whose probe is not heard back is subscribed again and its sockets resync.
 */
export class SubscriptionAudit {
  private readonly nodes = new Map<string, Node>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cluster: RedisClusterType,
    private readonly clientName: string,
    private readonly channels: AuditedSubscriptions,
    private readonly log: Logger,
    private readonly everyMs = AUDIT_EVERY_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.round(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    for (const node of this.nodes.values()) clearTimeout(node.sweepTimer);
    this.nodes.clear();
  }

  /** Something went wrong on `address`'s subscriber (a slot moved away, a follow failed): sweep it soon. */
  suspect(address: string): void {
    const node = this.node(address);
    if (node.sweepTimer) return;
    const wait = Math.max(SUSPECT_DELAY_MS, node.lastSweep + SWEEP_GAP_MS - Date.now());
    node.sweepTimer = setTimeout(() => this.sweep(address), wait);
    node.sweepTimer.unref();
  }

  private round(): void {
    const believed = this.channels.believed();
    for (const master of this.cluster.masters) {
      const channels = believed.get(master.address) ?? [];
      if (!master.pubSub && channels.length === 0) continue;
      void this.audit(master, channels);
    }
  }

  private async audit(master: RedisClusterType["masters"][number], believed: string[] | "busy"): Promise<void> {
    const address = master.address;
    const node = this.node(address);
    if (node.auditing) return;
    if (believed === "busy") return this.skipped(address, node);
    // node-redis's own bookkeeping first (no command): a channel of this master's slots that it
    // registered on this master's subscriber and we do not believe there (a stray it subscribed
    // following a misread reply), or one we believe there it does not hold there, is trouble the
    // master's count can hide (a stray makes up for a deaf channel). A registration left on a master
    // that no longer serves the channel's slot is not compared there: that master refuses both its
    // SSUBSCRIBE and its SUNSUBSCRIBE (MOVED), and the channel is checked on its own master.
    const registered = [...(master.pubSub?.client.getPubSubListeners("SHARDED").keys() ?? [])].filter(
      (channel) => this.cluster.slots[calculateSlot(channel)]?.master.address === address,
    );
    if (!sameChannels(registered, believed)) {
      this.log.warn({ node: address, believed: believed.length, registered: registered.length }, "node-redis holds other sharded channels on a master than we believe there; probing its channels");
      node.skips = 0;
      return this.sweep(address);
    }
    const changes = this.channels.changesOn(address);
    const at = Date.now();
    node.auditing = true;
    let reported: number;
    try {
      reported = await this.reported(master, node);
    } catch {
      // A master in trouble: its client reports it (node-error), and its channels are lost then.
      return;
    } finally {
      node.auditing = false;
    }
    if (this.channels.changesOn(address) !== changes) return this.skipped(address, node);
    node.skips = 0;
    if (reported === believed.length) return this.channels.verified(believed, at);
    this.log.warn({ node: address, believed: believed.length, reported }, "a master counts other sharded subscriptions of ours than we do; probing its channels");
    this.sweep(address);
  }

  /** Our sharded subscriptions on `master`, as it counts them: by our connections' ids, listed again when one is gone. */
  private async reported(master: RedisClusterType["masters"][number], node: Node): Promise<number> {
    const client = await this.cluster.nodeClient(master);
    const list = async (...filter: string[]) => ourConnections(String(await client.sendCommand(["CLIENT", "LIST", ...filter])), this.clientName);
    if (node.ids.length > 0) {
      const known = await list("ID", ...node.ids);
      if (known.ids.length === node.ids.length) return known.subscriptions;
    }
    const all = await list("TYPE", "pubsub");
    node.ids = all.ids;
    return all.subscriptions;
  }

  private skipped(address: string, node: Node): void {
    if (++node.skips < SKIPS_BEFORE_SWEEP) return;
    node.skips = 0;
    this.sweep(address);
  }

  private sweep(address: string): void {
    const node = this.node(address);
    clearTimeout(node.sweepTimer);
    node.sweepTimer = undefined;
    node.lastSweep = Date.now();
    this.channels.sweep(address);
  }

  private node(address: string): Node {
    let node = this.nodes.get(address);
    if (!node) this.nodes.set(address, (node = { auditing: false, skips: 0, lastSweep: 0, ids: [] }));
    return node;
  }
}

function sameChannels(registered: string[], believed: string[]): boolean {
  const expected = new Set(believed);
  return registered.length === expected.size && registered.every((channel) => expected.has(channel));
}

/** The connections named `name` in a CLIENT LIST answer: their ids, and their sharded subscriptions (`ssub=`) in all. */
export function ourConnections(clientList: string, name: string): { ids: string[]; subscriptions: number } {
  const ids: string[] = [];
  let subscriptions = 0;
  for (const line of clientList.split("\n")) {
    if (!line.includes(` name=${name} `)) continue;
    const id = /(?:^|\s)id=(\d+)/.exec(line)?.[1];
    if (id) ids.push(id);
    subscriptions += Number(/ ssub=(\d+)/.exec(line)?.[1] ?? 0);
  }
  return { ids, subscriptions };
}
