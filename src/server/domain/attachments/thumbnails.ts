import type { Logger } from "../../logger.js";

/** Thumbnails waiting at most, per process; past it an upload's thumbnail is made when first asked for. */
export const MAX_THUMBNAILS_WAITING = 200;
/** Files whose thumbnail could not be made, remembered (per process) so they are not tried on every view. */
const MAX_REMEMBERED_FAILURES = 10_000;

/** What `add` did: queued (or already waiting or being made), refused (full), or known not to decode. */
export type QueueAnswer = "queued" | "full" | "failed";

/**
 * Thumbnails made off the upload request: one at a time per process (decoding a photo takes a
 * core for a while; a burst of uploads must not take every core from the event loop), at most
 * `maxWaiting` waiting, each file once (a key already waiting or being made is not queued again).
 * Nothing is persisted and nothing needs to be: making a thumbnail is idempotent (same file, same
 * store key, atomic write), and a thumbnail missing when asked for (a restart lost the queue, the
 * queue was full) is queued by that request.
 */
export class ThumbnailQueue {
  private readonly waiting = new Set<string>();
  private current: string | undefined;
  private readonly failed = new Set<string>();
  private paused = false;
  private idleWaiters: (() => void)[] = [];

  /** `make`: makes and stores one thumbnail; false when the file does not decode (not tried again). */
  constructor(
    private readonly make: (key: string) => Promise<boolean>,
    private readonly log: Logger,
    private readonly maxWaiting = MAX_THUMBNAILS_WAITING,
  ) {}

  add(key: string): QueueAnswer {
    if (this.failed.has(key)) return "failed";
    if (this.current === key || this.waiting.has(key)) return "queued";
    if (this.waiting.size >= this.maxWaiting) return "full";
    this.waiting.add(key);
    this.next();
    return "queued";
  }

  /** Thumbnails waiting or being made. */
  get pending(): number {
    return this.waiting.size + (this.current === undefined ? 0 : 1);
  }

  /** Holds the work (what is waiting stays): tests, to see an upload before its thumbnail. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.next();
  }

  /** Resolves once nothing is waiting or being made. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Shutting down: what is waiting is dropped (made when first asked for, on any instance). */
  stop(): void {
    this.paused = true;
    this.waiting.clear();
    if (this.current === undefined) this.settle();
  }

  private next(): void {
    if (this.paused || this.current !== undefined) return;
    const [key] = this.waiting;
    if (key === undefined) return this.settle();
    this.waiting.delete(key);
    this.current = key;
    this.make(key)
      .then((made) => {
        if (made) return;
        if (this.failed.size >= MAX_REMEMBERED_FAILURES) this.failed.clear();
        this.failed.add(key);
      })
      .catch((err: unknown) => this.log.warn({ err, key }, "making a thumbnail failed"))
      .finally(() => {
        this.current = undefined;
        this.next();
        if (this.pending === 0) this.settle();
      });
  }

  private settle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
