import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";
import type { Config } from "../../src/server/config.js";
import { eventually } from "./chat-client.js";
import { startChatServer, type RunningChatServer } from "./chat-server.js";
import { startRedis, type RedisServerHandle } from "./redis-server.js";

const run = promisify(execFile);

/** `redis-cli -p PORT args...` on a test node; the answer as text. */
export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("redis-cli", ["-p", String(port), ...args]);
  return stdout.trim();
}

export interface RedisClusterHandle {
  nodes: RedisServerHandle[];
  /** `host:port` of the masters at start, for REDIS_CLUSTER_NODES. */
  seeds: string[];
  /** The port of the master serving `key` now (asked of a live node). */
  masterOf(key: string): Promise<number>;
  /** The port of a replica of the master on `port`. */
  replicaOf(port: number): Promise<number>;
  /** `master` or `slave`, as the node on `port` says. */
  role(port: number): Promise<string>;
  /** Waits until every live node says `cluster_state:ok` and agrees on one master per slot range. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /**
   * Waits until every live replica is in sync: its link to its master up, its master listing it
   * online and acknowledging everything it was sent, and no live node flagging a live one as failing.
   * Call it when no traffic flows (offsets then settle).
   */
  waitReplicasInSync(timeoutMs?: number): Promise<void>;
  node(port: number): RedisServerHandle;
  stop(): Promise<void>;
}

/**
 * A private Redis Cluster on loopback ports: `masters` masters with `replicas` replicas each, and a
 * short node timeout so that failovers happen in a few seconds.
 */
export async function startRedisCluster(options: { masters?: number; replicas?: number; nodeTimeoutMs?: number } = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const args = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", String(options.nodeTimeoutMs ?? 2000)];
  const starting = await Promise.allSettled(Array.from({ length: masters * (1 + replicas) }, () => startRedis({ extraArgs: args })));
  const nodes = starting.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = starting.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    // One node did not start (a loaded machine): the others are stopped, not left running.
    await Promise.allSettled(nodes.map((n) => n.kill()));
    throw failed.reason;
  }
  const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
  await run("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", String(replicas), "--cluster-yes"]);
  const dead = new Set<number>();
  const live = () => nodes.filter((n) => !dead.has(n.port));
  const handle: RedisClusterHandle = {
    nodes,
    seeds: addresses.slice(0, masters),
    async masterOf(key) {
      const asker = live()[0]!.port;
      const slot = Number(await cli(asker, "cluster", "keyslot", key));
      const slots = JSON.parse(await cli(asker, "--json", "cluster", "slots")) as [number, number, [string, number, string]][];
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`no master serves slot ${slot}`);
      return range[2][1];
    },
    async replicaOf(port) {
      const id = await cli(port, "cluster", "myid");
      const lines = (await cli(port, "cluster", "nodes")).split("\n");
      const replica = lines.map((l) => l.split(" ")).find((f) => f[3] === id && f[2]!.includes("slave") && !f[2]!.includes("fail"));
      if (!replica) throw new Error(`no replica of ${port}`);
      return Number(replica[1]!.split(":")[1]!.split("@")[0]);
    },
    async role(port) {
      return (await cli(port, "role")).split("\n")[0]!;
    },
    async waitHealthy(timeoutMs = 30_000) {
      await eventually(async () => {
        for (const node of live()) if (!(await cli(node.port, "cluster", "info")).includes("cluster_state:ok")) return false;
        return true;
      }, timeoutMs, "cluster_state:ok on every live node");
    },
    async waitReplicasInSync(timeoutMs = 30_000) {
      const livePorts = new Set(live().map((n) => n.port));
      await eventually(async () => {
        for (const node of live()) {
          const info = await cli(node.port, "info", "replication");
          if (/^role:slave/m.test(info)) {
            if (!/^master_link_status:up/m.test(info) || !/^master_sync_in_progress:0/m.test(info)) return false;
            continue;
          }
          const offset = Number(/^master_repl_offset:(\d+)/m.exec(info)?.[1]);
          for (const [, state, acked] of info.matchAll(/^slave\d+:.*state=(\w+),offset=(\d+)/gm)) {
            if (state !== "online" || Number(acked) < offset) return false;
          }
        }
        for (const node of live()) {
          for (const line of (await cli(node.port, "cluster", "nodes")).split("\n")) {
            const [, address = "", flags = ""] = line.split(" ");
            if (livePorts.has(Number(address.split(":")[1]?.split("@")[0])) && /\bfail\??\b/.test(flags)) return false;
          }
        }
        return true;
      }, timeoutMs, "every live replica in sync with its master");
    },
    node(port) {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no node ${port}`);
      return {
        ...node,
        async kill() {
          dead.add(port);
          await node.kill();
        },
        async restart() {
          await node.restart();
          dead.delete(port);
        },
      };
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
    },
  };
  await handle.waitHealthy();
  // cluster_state:ok needs masters only: replicas may still be waiting for their first full sync
  // (Redis delays it by repl-diskless-sync-delay, 5 s), acknowledging nothing and unable to take over.
  if (replicas > 0) await handle.waitReplicasInSync();
  return handle;
}

/** A cluster and two chat instances on it, for one test file (read them inside tests and hooks). */
export interface ClusterInstances {
  cluster: RedisClusterHandle;
  one: RunningChatServer;
  two: RunningChatServer;
}

/**
 * For one test file: a cluster of three masters without replicas and two instances using the
 * sharded bus on it, started before the file's tests and stopped after them.
 */
export function useShardedInstances(options: { nodeTimeoutMs: number } & Partial<Config>): ClusterInstances {
  const env = {} as ClusterInstances;
  const { nodeTimeoutMs, ...serverOptions } = options;
  beforeAll(async () => {
    env.cluster = await startRedisCluster({ masters: 3, replicas: 0, nodeTimeoutMs });
    const redis = { redisUrl: `redis://${env.cluster.seeds[0]}`, redisClusterNodes: env.cluster.seeds, pubsubMode: "sharded" as const };
    [env.one, env.two] = await Promise.all([startChatServer({ ...redis, ...serverOptions }), startChatServer({ ...redis, ...serverOptions })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled([env.one?.close(), env.two?.close()]);
    await env.cluster?.stop();
  });
  return env;
}
