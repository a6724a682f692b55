/** The few logger methods used here (pino and Fastify loggers both have them). */
type Logger = { error(obj: object, msg: string): void; debug(obj: object, msg: string): void };

/**
 * Redis failing in a way the client can do nothing about but wait: unreachable, stalled past the
 * command deadline, or refusing commands (out of memory under `maxmemory` with `noeviction`,
 * refusing writes after a failed save, loading, read-only replica, busy script). Every request
 * that meets one answers "unavailable" (HTTP 503, socket `{ok: false, error}`), and each kind is
 * logged once per episode instead of once per request.
 */
export type RedisTroubleKind = "unreachable" | "timed out" | "out of memory" | "refusing commands";

/** Error classes of node-redis (and ours) that mean the connection itself failed. */
const CONNECTION_ERRORS = new Set([
  "ClientClosedError",
  "ClientOfflineError",
  "ConnectionTimeoutError",
  "SocketClosedUnexpectedlyError",
  "DisconnectsClientError",
  "SocketTimeoutError",
  "TimeoutError",
  "ReconnectStrategyError",
]);

/**
 * Error replies whose first word says Redis cannot serve now, not that the command was wrong
 * (NOREPLICAS: no replica acknowledged a durable write in time, see redis/durable-writes.ts; MOVED
 * and ASK: a slot moving under a write pinned to one node).
 */
const REFUSING = /^(MISCONF|LOADING|READONLY|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MOVED|ASK)\b/;

/** A command that got no answer within the deadline (REDIS_COMMAND_TIMEOUT_MS). */
export class RedisCommandTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Redis did not answer within ${timeoutMs} ms`);
    this.name = "RedisCommandTimeoutError";
  }
}

/** What kind of Redis trouble an error is, or undefined for any other error. */
export function redisTroubleKind(err: unknown): RedisTroubleKind | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err instanceof RedisCommandTimeoutError) return "timed out";
  const message = err.message ?? "";
  if (message.startsWith("OOM")) return "out of memory";
  if (REFUSING.test(message)) return "refusing commands";
  if (message === "The queue is full") return "timed out";
  if (CONNECTION_ERRORS.has(err.constructor.name) || /ECONNREFUSED|ECONNRESET|EPIPE|The client is closed|offline/i.test(message)) {
    return "unreachable";
  }
  return undefined;
}

/** An episode of one kind ends after this long without another error of that kind. */
const EPISODE_QUIET_MS = 30_000;
const lastSeen = new Map<RedisTroubleKind, number>();

/**
 * Logs Redis trouble once per episode of each kind (at error level, without a stack trace); later
 * errors of the same episode are only counted at debug level. Returns the kind.
 */
export function noteRedisTrouble(log: Logger, err: unknown, where: string): RedisTroubleKind | undefined {
  const kind = redisTroubleKind(err);
  if (!kind) return undefined;
  const now = Date.now();
  const previous = lastSeen.get(kind);
  lastSeen.set(kind, now);
  if (previous === undefined || now - previous > EPISODE_QUIET_MS) {
    log.error({ kind, err: (err as Error).message, where }, `redis ${kind}: answering "unavailable" until it recovers (logged once per episode)`);
  } else {
    log.debug({ kind, where }, "redis trouble continues");
  }
  return kind;
}
