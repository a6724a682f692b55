/**
 * `npm run bench -- --scenario fanout|rooms|storm|two-instances|named-rooms|upload|all [options]` (see options.ts);
 * `npm run bench -- --scenario bus` (its own cluster and options: bench/scenarios/bus.ts).
 * Starts a private Redis (unless --url), runs the scenarios one after another on it (each with
 * fresh server processes, reusing the logged-in users), writes docs/benchmarks/latest-*.json and
 * the tables in docs/benchmarks.md.
 */
import type { RedisServerHandle } from "../test/support/redis-server.js";
import { BenchContext } from "./context.js";
import { ensureBuilt, launchRedis, launchReplica } from "./launcher.js";
import { machineInfo } from "./machine.js";
import { parseOptions, type Options, type Scenario } from "./options.js";
import { redisSnapshot } from "./redis-stats.js";
import { renderDoc, writeRecord, type RunRecord } from "./results.js";
import { runFanout } from "./scenarios/fanout.js";
import { runNamedRooms } from "./scenarios/named-rooms.js";
import { runRooms } from "./scenarios/rooms.js";
import { runStorm } from "./scenarios/storm.js";
import { runSearch } from "./scenarios/search.js";
import { runUpload } from "./scenarios/upload.js";
import { runBus } from "./scenarios/bus.js";
import { runList } from "./scenarios/list.js";
import { runSoak, type SoakResult } from "./scenarios/soak.js";
import { UserPool } from "./users.js";
import { createClient } from "redis";

async function redisVersion(url: string | null): Promise<string> {
  if (!url) return "";
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    const info = await client.info("server");
    return /redis_version:(\S+)/.exec(info)?.[1] ?? "";
  } catch {
    return "";
  } finally {
    if (client.isOpen) await client.close();
  }
}

function settingsOf(options: Options, scenario: Scenario): Record<string, unknown> {
  const common = { durableAcks: options.durableAcks, durationS: options.durationMs / 1000, agents: options.agents, typers: options.typers, batch: options.batch, clientId: options.clientId, padding: options.padding, flushMs: options.flushMs ?? "server default", external: options.urls.length > 0 };
  switch (scenario) {
    case "fanout":
    case "two-instances":
      return { ...common, members: options.members, senders: options.senders };
    case "rooms":
      return { ...common, users: options.roomUsers };
    case "named-rooms":
      return { ...common, users: options.roomUsers, rooms: options.namedRooms, roomSize: options.roomSize, heavyRooms: options.heavyRooms };
    case "search":
      return { messages: options.searchMessages, rooms: options.searchRooms, memberOf: options.searchMemberOf, queries: options.searchQueries };
    case "upload":
      return { durationS: options.durationMs / 1000, external: options.urls.length > 0 };
    case "soak":
      return { people: options.soakPeople, ratePerSec: options.soakRate, cutsPerSec: options.soakCutsPerSec, durationS: options.soakDurationMs / 1000, pubsubMode: process.env.PUBSUB_MODE ?? "default", external: common.external };
    case "storm":
      return { sockets: options.stormSockets, users: options.stormUsers, connectConcurrency: options.connectConcurrency, agents: options.agents, batch: options.batch, external: common.external };
  }
}

async function main(): Promise<void> {
  // The bus scenario starts its own Redis Cluster and instances (bench/scenarios/bus.ts).
  const argv = process.argv.slice(2);
  if (argv.includes("bus") || argv.includes("--scenario=bus")) return runBus(argv);
  // The list scenario: the web client in Chromium, with its own Redis and server (bench/scenarios/list.ts).
  if (argv.includes("list") || argv.includes("--scenario=list")) return runList(argv);
  const options = parseOptions(argv);
  process.env.BENCH_QUIET_WAIT_MS = String(options.quietWaitMs); // read by step.ts
  const command = `npm run bench${options.argv.length ? ` -- ${options.argv.join(" ")}` : ""}`;
  let redis: RedisServerHandle | null = null;
  let replica: RedisServerHandle | null = null;
  let ctx: BenchContext | null = null;
  const cleanup = () => {
    ctx?.killAll();
    void redis?.kill();
    void replica?.kill();
  };
  process.on("exit", cleanup);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      console.error(`bench: ${signal}, stopping`);
      cleanup();
      process.exit(130);
    });
  }
  // Hard bound for the whole run.
  setTimeout(() => {
    console.error(`bench: still running after ${options.maxMinutes} min, giving up`);
    cleanup();
    process.exit(2);
  }, options.maxMinutes * 60_000).unref();

  if (!options.urls.length) {
    if (options.tsx) console.log("bench: running the server from src/ with tsx");
    else ensureBuilt(options.build);
    redis = await launchRedis();
    console.log(`bench: redis-server on ${redis.url}`);
    if (options.durableAcks) {
      replica = await launchReplica(redis);
      console.log(`bench: its replica on ${replica.url} (DURABLE_ACKS=replica)`);
    }
  }
  const redisUrl = redis?.url ?? options.redisUrl;
  const machine = machineInfo(await redisVersion(redisUrl));
  console.log(`bench: ${machine.nproc} × ${machine.cpuModel}, ${machine.ramGB} GB, Node ${machine.node}, Redis ${machine.redis}`);
  const pool = new UserPool(options.urls[0] ?? "", options.userPrefix);
  ctx = new BenchContext(options, redisUrl, pool);
  if (redisUrl) await redisSnapshot(redisUrl); // fail early when it is unreachable

  let failures = 0;
  for (const scenario of options.scenarios) {
    const startedAt = new Date().toISOString();
    console.log(`bench: === ${scenario} ===`);
    try {
      const result = scenario === "fanout" ? await runFanout(ctx, 1)
        : scenario === "two-instances" ? await runFanout(ctx, 2)
        : scenario === "rooms" ? await runRooms(ctx)
        : scenario === "named-rooms" ? await runNamedRooms(ctx)
        : scenario === "search" ? await runSearch(ctx)
        : scenario === "upload" ? await runUpload(ctx)
        : scenario === "soak" ? await runSoak(ctx)
        : await runStorm(ctx);
      const record: RunRecord = { scenario, label: options.label, startedAt, finishedAt: new Date().toISOString(), command, machine, settings: settingsOf(options, scenario), result };
      if (options.write) {
        const file = writeRecord(record);
        renderDoc();
        console.log(`bench: wrote ${file} and docs/benchmarks.md`);
      } else {
        console.log(JSON.stringify(record, (_k, v: unknown) => (v instanceof Uint32Array || v instanceof Uint8Array ? undefined : v), 2));
      }
      // The soak is a correctness check: any loss, duplicate, leak or out-of-order delivery fails the run.
      if (scenario === "soak" && !(result as SoakResult).passed) {
        failures++;
        const soak = result as SoakResult;
        console.error(`bench: soak FAILED: ${JSON.stringify({ ...soak, counters: undefined, duplicates: soak.counters.duplicates, leaked: soak.counters.leaked, outOfOrder: soak.counters.outOfOrder })}`);
      }
    } catch (err) {
      failures++;
      console.error(`bench: ${scenario} failed:`, err);
    }
  }
  if (replica) await replica.stop();
  replica = null;
  if (redis) await redis.stop();
  redis = null;
  process.exitCode = failures ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error("bench:", err);
  process.exit(1);
});
