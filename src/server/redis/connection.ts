import { createClient, type RedisClientType } from "redis";
import type { Logger } from "pino";

export type Redis = RedisClientType;

export interface RedisConnections {
  /** Commands and scripts. */
  data: Redis;
  /** A dedicated connection in subscriber mode, for the `MESSAGES` channel. */
  subscriber: Redis;
  close(): Promise<void>;
}

/**
 * Opens the two connections every instance needs. Both reconnect forever with capped backoff;
 * while the data connection is down, commands fail at once (no offline queue) so that requests
 * answer 503 instead of hanging, and the subscriber re-subscribes by itself when it is back.
 */
export async function connectRedis(url: string, log: Logger): Promise<RedisConnections> {
  const reconnectStrategy = (retries: number) => Math.min(50 * 2 ** Math.min(retries, 5), 1000);
  const data = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy, connectTimeout: 2000 },
  }) as Redis;
  const subscriber = data.duplicate() as Redis;

  let downSince = 0;
  for (const [name, client] of [["data", data], ["subscriber", subscriber]] as const) {
    client.on("error", (err: Error) => {
      if (!downSince) {
        downSince = Date.now();
        log.error({ err: err.message, connection: name }, "redis connection lost; reconnecting");
      }
    });
    client.on("ready", () => {
      if (downSince) log.warn({ connection: name, downMs: Date.now() - downSince }, "redis connection restored");
      downSince = 0;
    });
  }
  await Promise.all([data.connect(), subscriber.connect()]);
  return {
    data,
    subscriber,
    async close() {
      await Promise.allSettled([data.close(), subscriber.close()]);
    },
  };
}

/** True for failures of the connection itself (as opposed to an error reply from Redis). */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return [
    "ClientClosedError",
    "ClientOfflineError",
    "ConnectionTimeoutError",
    "SocketClosedUnexpectedlyError",
    "DisconnectsClientError",
    "SocketTimeoutError",
    "TimeoutError",
    "ReconnectStrategyError",
  ].includes(err.constructor.name) || /ECONNREFUSED|ECONNRESET|EPIPE|The client is closed|offline/i.test(err.message);
}
