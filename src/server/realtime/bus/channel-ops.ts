/**
 * The SSUBSCRIBE and SUNSUBSCRIBE of each sharded channel, one at a time: each is sent once the
 * channel's previous one was answered, at once when none is under way (so those issued in one turn
 * still share a pipeline). node-redis matches pub/sub replies to commands by their order and kind
 * only; with both kinds of one channel in flight, a reply taken for the wrong one leaves its
 * listener bookkeeping for the channel at odds with the master's.
 */
export class ChannelOps {
  /** Per channel, the last op's settlement (never rejecting). */
  private readonly tails = new Map<string, Promise<void>>();

  /** `changed(channel)` as each op starts and as it settles (SubscriptionAudit voids an audit spanning one). */
  constructor(private readonly changed: (channel: string) => void) {}

  run<T>(channel: string, op: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(channel);
    const run = previous ? previous.then(op) : op();
    const settled = run.then(
      () => {},
      () => {},
    );
    this.tails.set(channel, settled);
    this.changed(channel);
    void settled.then(() => {
      if (this.tails.get(channel) === settled) this.tails.delete(channel);
      this.changed(channel);
    });
    return run;
  }

  /** An op of `channel` is under way or waiting. */
  has(channel: string): boolean {
    return this.tails.has(channel);
  }

  /** The channels with an op under way or waiting. */
  channels(): IterableIterator<string> {
    return this.tails.keys();
  }
}
