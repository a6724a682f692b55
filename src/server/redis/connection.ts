import { createClient, createCluster, type RedisClientType, type RedisClusterType } from "redis";
import type { Logger } from "pino";
import { DurableWrites } from "./durable-writes.js";
import { NodeFailures } from "./node-failures.js";
import { LuaScript } from "./script.js";
import { SlotMapRepair } from "./slot-map.js";
import { ClusterChannelSubscriber, SingleChannelSubscriber, type ChannelSubscriber } from "./subscriber.js";
import { RedisCommandTimeoutError, redisTroubleKind } from "./trouble.js";

/**
 * The command surface redis-chat uses. On Redis Cluster the cluster client stands in for it: every
 * command we send is keyed (and every script's keys share one slot, by hash tags), so it routes the
 * same way; the few keyless operations (ping, scan, flush) go through the helpers below.
 */
export type Redis = RedisClientType;

export interface RedisConnections {
  /** Commands and scripts. */
  data: Redis;
  /** A dedicated connection in subscriber mode, for the `MESSAGES` channel (see ChannelSubscriber). */
  subscriber: ChannelSubscriber;
  /** On Redis Cluster: masters failing and served again (see NodeFailures). */
  nodeFailures?: NodeFailures;
  /**
   * Where sharded channels are subscribed (SSUBSCRIBE; realtime/bus): on one Redis the subscriber
   * connection itself, on Cluster the cluster client (one sharded subscriber per master).
   */
  shardedSubscriber: Redis;
  /** With `durableAckTimeoutMs`: connections for writes acknowledged once on a replica (DURABLE_ACKS=replica). */
  durable?: DurableWrites;
  close(): Promise<void>;
}

export interface RedisOptions {
  /** Bound on every command's wait for an answer (ms); past it the command fails as unavailable. */
  commandTimeoutMs?: number;
  /** Commands queued on one connection before new ones fail at once (a stalled Redis). */
  maxQueuedCommands?: number;
  /** Set: open DurableWrites whose WAIT gives up after this long (DURABLE_ACKS=replica). */
  durableAckTimeoutMs?: number;
  /**
   * The name every connection carries (CLIENT SETNAME, see redisClientName): CLIENT LIST tells this
   * instance's connections apart, which the sharded bus's audit needs (realtime/bus/subscription-audit.ts).
   */
  clientName?: string;
}

/** `redis-chat:<serverId>`, with what CLIENT SETNAME refuses (spaces, control characters) as `_`. */
export function redisClientName(serverId: string): string {
  return `redis-chat:${serverId.replace(/[^!-~]/g, "_")}`;
}

/** Methods that are not commands with an answer to wait for, or may legitimately take long. */
const NO_DEADLINE = new Set(["connect", "close", "destroy", "quit", "disconnect", "flushDb", "flushAll", "scriptLoad"]);

/**
 * The client with a deadline on every command: a Redis that is stalled (paused, swapping, a long
 * script) would otherwise keep each request waiting as long as it lasts, since the connection stays
 * open. Past the deadline the caller gets RedisCommandTimeoutError (an "unavailable" answer); the
 * command itself may still run when Redis resumes, which is why a refused send may turn out stored:
 * clients resend with their clientId and get the stored message back, never a second copy.
 */
function withDeadlines<T extends object>(client: T, timeoutMs: number): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string" || NO_DEADLINE.has(prop)) return value;
      return function (this: unknown, ...args: unknown[]) {
        const result = value.apply(target, args);
        return result instanceof Promise ? deadline(result, timeoutMs) : result;
      };
    },
  });
}

function deadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisCommandTimeoutError(ms)), ms);
  });
  // The late answer (or failure) of a command that lost the race is not wanted by anyone.
  promise.catch(() => {});
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** How long the first connection may take before the process gives up (later outages: forever). */
const FIRST_CONNECT_RETRIES = 10;

/**
 * Capped backoff, forever once connected; a Redis that never answered at start is a configuration
 * problem, so the first connection gives up after a few seconds and start fails with a message.
 */
function reconnectStrategy(everConnected: () => boolean, capMs = 1000) {
  return (retries: number, cause: Error) =>
    !everConnected() && retries >= FIRST_CONNECT_RETRIES ? cause : Math.min(50 * 2 ** Math.min(retries, 5), everConnected() ? capMs : 1000);
}

/**
 * On Redis Cluster, a node's reconnection attempts are also what refreshes the topology (below): a
 * failed master is retried this often, so its promoted replica is found this soon after the
 * promotion. Each attempt is one connection to a dead address (refused at once, or bounded by the
 * connect timeout).
 */
const CLUSTER_NODE_RETRY_CAP_MS = 200;
/**
 * Refresh the cluster topology this long after a node's first reconnection attempt, then again at
 * each attempt after as long (node-redis's default waits 5 s: sends to a promoted replica's slots
 * answered "unavailable" for 5 s after the promotion).
 */
const TOPOLOGY_REFRESH_AFTER_MS = 100;

/**
 * Opens the connections every instance needs: commands and scripts, and one in subscriber mode for
 * the `MESSAGES` channel. Both reconnect forever with capped backoff; while Redis is down, commands
 * fail at once (no offline queue) so that requests answer 503 instead of hanging, and the
 * subscriber re-subscribes by itself when it is back. With `clusterNodes`, the same over Redis
 * Cluster (the cluster client keeps its own pub/sub connection).
 */
export async function connectRedis(url: string, log: Logger, clusterNodes?: string[], options: RedisOptions = {}): Promise<RedisConnections> {
  if (clusterNodes?.length) return connectCluster(clusterNodes, log, options);
  let connected = false;
  const data = createClient({
    url,
    name: options.clientName,
    disableOfflineQueue: true,
    commandsQueueMaxLength: options.maxQueuedCommands ?? 50_000,
    socket: { reconnectStrategy: reconnectStrategy(() => connected), connectTimeout: 2000 },
  }) as Redis;
  const subscriberClient = data.duplicate() as Redis;
  // First command of every (re)connection: a restarted Redis has no scripts, and EVALSHA's NOSCRIPT
  // fallback would store pipelined messages out of send order (see LuaScript).
  data.on("ready", () => void LuaScript.loadAll(data).catch(() => {}));
  watch(log, [["data", data], ["subscriber", subscriberClient]]);
  const subscriber = new SingleChannelSubscriber(subscriberClient);
  // Durable writes get a connection of their own: WAIT blocks the connection it runs on.
  const durableClient = options.durableAckTimeoutMs ? (data.duplicate() as Redis) : undefined;
  durableClient?.on("ready", () => void LuaScript.loadAll(durableClient).catch(() => {}));
  if (durableClient) watch(log, [["durable", durableClient]]);
  await Promise.all([data.connect(), subscriberClient.connect(), durableClient?.connect()]);
  connected = true;
  const deadlines = (client: Redis) => (options.commandTimeoutMs ? withDeadlines(client, options.commandTimeoutMs) : client);
  const durableConnection = durableClient && deadlines(durableClient);
  return {
    data: deadlines(data),
    subscriber,
    shardedSubscriber: subscriberClient,
    durable: durableConnection && new DurableWrites(async () => durableConnection, options.durableAckTimeoutMs!),
    async close() {
      await Promise.allSettled([data.close(), subscriber.close(), durableClient?.close()]);
    },
  };
}

async function connectCluster(nodes: string[], log: Logger, options: RedisOptions): Promise<RedisConnections> {
  let connected = false;
  const cluster = createCluster({
    rootNodes: nodes.map((node) => ({ url: node.includes("://") ? node : `redis://${node}` })),
    defaults: {
      name: options.clientName,
      disableOfflineQueue: true,
      commandsQueueMaxLength: options.maxQueuedCommands ?? 50_000,
      socket: { reconnectStrategy: reconnectStrategy(() => connected, CLUSTER_NODE_RETRY_CAP_MS), connectTimeout: 2000 },
    },
    topologyRefreshOnReconnectionAttemptStrategy: TOPOLOGY_REFRESH_AFTER_MS,
  });
  watch(log, [["cluster", cluster]]);
  loadScriptsOnEveryNode(cluster as RedisClusterType);
  const nodeFailures = new NodeFailures(cluster as RedisClusterType);
  // Durable writes get node connections of their own (a second cluster client): WAIT blocks the
  // connection it runs on.
  const durableCluster = options.durableAckTimeoutMs ? (cluster.duplicate() as RedisClusterType) : undefined;
  if (durableCluster) {
    watch(log, [["durable", durableCluster]]);
    loadScriptsOnEveryNode(durableCluster);
  }
  await Promise.all([cluster.connect(), durableCluster?.connect()]);
  connected = true;
  const repairs = [cluster, durableCluster].filter((c) => c !== undefined).map(
    (c) => new SlotMapRepair(c as RedisClusterType, (missing) => log.warn({ missing }, "redis cluster slot map had slots without a master; refreshed")),
  );
  await Promise.all(cluster.masters.map(async (master) => LuaScript.loadAll((await cluster.nodeClient(master)) as unknown as Redis)));
  const subscriber = new ClusterChannelSubscriber(cluster as RedisClusterType, log);
  await subscriber.start();
  const data = cluster as unknown as Redis;
  const deadlines = (client: Redis) => (options.commandTimeoutMs ? withDeadlines(client, options.commandTimeoutMs) : client);
  // One wrapper per node client, so that DurableWrites finds the same connection object again.
  const wrapped = new WeakMap<object, Redis>();
  const durableNode = async (key: string) => {
    const client = (await durableCluster!.getNodeClientForKey(key)) as unknown as Redis;
    let wrapper = wrapped.get(client);
    if (!wrapper) wrapped.set(client, (wrapper = deadlines(client)));
    return wrapper;
  };
  return {
    data: deadlines(data),
    subscriber,
    nodeFailures,
    shardedSubscriber: cluster as unknown as Redis,
    // A routed command refreshes the duplicate's slot map when the slot moved (its MOVED handling).
    durable: durableCluster && new DurableWrites(durableNode, options.durableAckTimeoutMs!, (key) => durableCluster.exists(key)),
    async close() {
      nodeFailures.stop();
      for (const repair of repairs) repair.stop();
      await subscriber.close();
      await Promise.allSettled([cluster.close(), durableCluster?.close()]);
    },
  };
}

/**
 * As on one Redis, the scripts are the first command of every node connection of a cluster client,
 * including a master that appears later (a promoted replica, which never had them: SCRIPT LOAD is
 * not replicated). Synchronously on `node-ready`, so they go before any command routed to it.
 */
function loadScriptsOnEveryNode(cluster: RedisClusterType): void {
  cluster.on("node-ready", (node: { host: string; port: number }) => {
    const client = cluster.nodeByAddress.get(`${node.host}:${node.port}`)?.client as Redis | undefined;
    if (client) void LuaScript.loadAll(client).catch(() => {});
  });
}

function watch(log: Logger, clients: [string, { on(event: string, listener: (...args: any[]) => void): unknown }][]): void {
  let downSince = 0;
  for (const [name, client] of clients) {
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
}

type AnyRedis = Redis | RedisClusterType;
const asCluster = (redis: AnyRedis): RedisClusterType | undefined =>
  "masters" in redis ? (redis as RedisClusterType) : undefined;

/** The clients of every master (one, outside a cluster). */
async function masterClients(redis: AnyRedis): Promise<Redis[]> {
  const cluster = asCluster(redis);
  if (!cluster) return [redis as Redis];
  return Promise.all(cluster.masters.map((master) => cluster.nodeClient(master) as Promise<unknown> as Promise<Redis>));
}

/**
 * The clients of the masters this instance is connected to now (one, outside a cluster, connected
 * or not). A master that is down is down for every instance: what one instance can do about it is
 * the same as any other, so checks of this instance's health leave it out. Fails when no master of
 * a cluster is connected.
 */
export async function reachableMasterClients(redis: Redis): Promise<Redis[]> {
  const cluster = asCluster(redis);
  if (!cluster) return [redis];
  const reachable = cluster.masters.filter((master) => master.client?.isReady);
  if (reachable.length === 0) throw new Error("no master of the Redis Cluster is connected");
  return Promise.all(reachable.map((master) => cluster.nodeClient(master) as Promise<unknown> as Promise<Redis>));
}

/** PING every master this instance is connected to (see reachableMasterClients). */
export async function pingRedis(redis: Redis): Promise<void> {
  await Promise.all((await reachableMasterClients(redis)).map((client) => client.ping()));
}

/** SCAN every master for keys matching a pattern. */
export async function* scanKeys(redis: Redis, match: string, count = 500): AsyncGenerator<string[]> {
  for (const client of await masterClients(redis)) {
    for await (const batch of client.scanIterator({ MATCH: match, COUNT: count })) yield batch as string[];
  }
}

/** FLUSHDB on every master. */
export async function flushAll(redis: Redis): Promise<void> {
  await Promise.all((await masterClients(redis)).map((client) => client.flushDb()));
}

/**
 * True when Redis cannot serve now: the connection failed, a command passed its deadline, or Redis
 * refuses commands (out of memory, ...; see redis/trouble.ts). Such failures answer "unavailable".
 */
export function isRedisUnavailable(err: unknown): boolean {
  return redisTroubleKind(err) !== undefined;
}
