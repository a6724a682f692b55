import type { Redis } from "./connection.js";

/** Thrown when no replica acknowledged a write in time: "unavailable" (see trouble.ts). */
export class NoReplicaError extends Error {
  constructor(timeoutMs: number) {
    super(`NOREPLICAS no replica acknowledged the write within ${timeoutMs} ms`);
    this.name = "NoReplicaError";
  }
}

/**
 * `WAIT 1 timeout` on one connection, shared by every write that needs it (group commit). WAIT
 * waits for the writes made on the connection it runs on, up to the moment it runs: so a write
 * whose answer has arrived is covered by any WAIT sent after that, and one WAIT covers every write
 * answered before it was sent. While one WAIT is in flight, the writes answered meanwhile wait
 * for the next one: at most one WAIT in flight and one batch waiting, per connection.
 */
class ReplicaAcks {
  private inFlight = false;
  private waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(
    private readonly client: Redis,
    private readonly timeoutMs: number,
  ) {}

  /** Resolves once every write this connection answered before the call is on a replica. */
  confirm(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.inFlight) this.send();
    });
  }

  private send(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.inFlight = true;
    this.client
      .sendCommand(["WAIT", "1", String(this.timeoutMs)])
      .then(
        (replicas) => {
          if (Number(replicas) >= 1) for (const w of batch) w.resolve();
          else for (const w of batch) w.reject(new NoReplicaError(this.timeoutMs));
        },
        (err: unknown) => {
          for (const w of batch) w.reject(err);
        },
      )
      .finally(() => {
        this.inFlight = false;
        if (this.waiting.length > 0) this.send();
      });
  }
}

/**
 * Writes acknowledged only once a replica has them (`DURABLE_ACKS=replica`). A write that must be
 * durable runs on a connection of its own for its node, not the shared one: WAIT blocks the
 * connection it runs on until a replica answers (or the timeout, when none does), and every other
 * command queued behind it on a shared connection would wait as long. WAIT cannot run inside a Lua
 * script, so the store script stays one round trip and the WAIT is a second one on the same
 * connection, shared by the writes answered meanwhile (see ReplicaAcks).
 */
export class DurableWrites {
  private readonly acks = new WeakMap<object, ReplicaAcks>();

  constructor(
    /** The dedicated connection to the master serving `key` (the same object for the same node). */
    private readonly connectionFor: (key: string) => Promise<Redis>,
    private readonly timeoutMs: number,
    /** On Cluster: refreshes the slot map after a write met MOVED or ASK (the slot moved). */
    private readonly refresh?: (key: string) => Promise<unknown>,
  ) {}

  /**
   * Runs `write` on the dedicated connection for `key` (the master of its slot); on Cluster, once
   * more after refreshing the slot map if the slot had moved. Then `replicated(client)` confirms it.
   */
  async write<T>(key: string, write: (client: Redis) => Promise<T>): Promise<{ client: Redis; result: T }> {
    const client = await this.connectionFor(key);
    try {
      return { client, result: await write(client) };
    } catch (err) {
      if (!this.refresh || !(err instanceof Error) || !/^(MOVED|ASK)\b/.test(err.message)) throw err;
      await this.refresh(key).catch(() => {});
      const moved = await this.connectionFor(key);
      return { client: moved, result: await write(moved) };
    }
  }

  /** Resolves once every write `client` (from connectionFor) answered so far is on a replica. */
  replicated(client: Redis): Promise<void> {
    let acks = this.acks.get(client);
    if (!acks) {
      acks = new ReplicaAcks(client, this.timeoutMs);
      this.acks.set(client, acks);
    }
    return acks.confirm();
  }
}
