/**
 * Starts what the benchmark measures: a private redis-server (never the machine's 6379) and one or
 * more chat server processes, as children whose CPU and memory can be read from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { freePort, startRedis, type RedisServerHandle } from "../test/support/redis-server.js";
import { sleep } from "./limit.js";

export const ROOT = resolve(import.meta.dirname, "..");
/**
 * Where started servers run from: this checkout, or BENCH_SERVER_ROOT (another checkout's built
 * dist/, e.g. an older commit in a worktree), so that before and after are measured by the same
 * load generator and the same probe.
 */
export const SERVER_ROOT = process.env.BENCH_SERVER_ROOT ? resolve(process.env.BENCH_SERVER_ROOT) : ROOT;
const PROBE = join(ROOT, "bench/server-probe.mjs");
export const OUT_DIR = join(ROOT, ".bench-out");
export const SESSION_SECRET = "bench-session-secret-0123456789abcdef0123456789abcdef";

export async function launchRedis(): Promise<RedisServerHandle> {
  return startRedis({ appendOnly: false });
}

/** A replica of `master` (for DURABLE_ACKS=replica), once it is in sync. */
export async function launchReplica(master: RedisServerHandle): Promise<RedisServerHandle> {
  const replica = await startRedis({ appendOnly: false, extraArgs: ["--replicaof", "127.0.0.1", String(master.port)] });
  for (const deadline = Date.now() + 15_000; ; await sleep(100)) {
    const info = spawnSync("redis-cli", ["-p", String(replica.port), "info", "replication"], { encoding: "utf8" }).stdout;
    if (info.includes("master_link_status:up")) return replica;
    if (Date.now() > deadline) throw new Error("the replica did not get in sync");
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ with `npm run build:server` when it is missing or older than src/server or src/protocol. */
export function ensureBuilt(force: boolean): void {
  if (SERVER_ROOT !== ROOT) {
    // Another checkout: built there (`npx tsc -p tsconfig.json`), never rebuilt from here.
    if (!existsSync(join(SERVER_ROOT, "dist/server/main.js"))) throw new Error(`no dist/server/main.js in BENCH_SERVER_ROOT ${SERVER_ROOT}`);
    console.log(`bench: servers run from ${SERVER_ROOT}`);
    return;
  }
  const entry = join(ROOT, "dist/server/main.js");
  const stale = !existsSync(entry)
    || statSync(entry).mtimeMs < Math.max(newestMtime(join(ROOT, "src/server")), newestMtime(join(ROOT, "src/protocol")));
  if (!force && !stale) return;
  console.log("bench: npm run build:server");
  const result = spawnSync("npm", ["run", "build:server"], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) throw new Error("npm run build:server failed");
}

export interface ServerOptions {
  redisUrl: string;
  flushMs?: number;
  /** node --cpu-prof into this directory */
  profileDir?: string;
  /** run src/server/main.ts with tsx instead of dist/server/main.js */
  tsx?: boolean;
  name: string;
  extraEnv?: Record<string, string>;
}

export interface ServerHandle {
  name: string;
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** CPU time and memory after a full collection, read from the running server (see server-probe.mjs). */
  probe(timeoutMs?: number): Promise<ServerProbe | null>;
  stop(): Promise<void>;
}

export interface ServerProbe {
  /** process.cpuUsage() user + system, ms, taken before the collection */
  cpuMs: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  rssBytes: number;
  /** false when the server was not started with --expose-gc (then the figures include garbage) */
  gc: boolean;
  snapshot?: string;
  /** The 250 ms sample with the highest RSS since the last probe (no collection forced): bytes, V8 spaces' sizes */
  peak?: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number; spaces: Record<string, number> };
}

export async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  throw new Error(`server at ${url} not healthy after ${timeoutMs} ms (${last})`);
}

export async function launchServer(options: ServerOptions): Promise<ServerHandle> {
  const port = await freePort();
  mkdirSync(OUT_DIR, { recursive: true });
  const logFile = join(OUT_DIR, `${options.name}.log`);
  const log = createWriteStream(logFile);
  const probeFile = join(OUT_DIR, `${options.name}.probe.json`);
  const nodeArgs = [
    // Bench only: memory after a full collection and CPU time on demand (see server-probe.mjs).
    "--expose-gc",
    "--import",
    PROBE,
    ...(options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : []),
    ...(options.tsx ? ["--import", "tsx", "src/server/main.ts"] : ["dist/server/main.js"]),
  ];
  const quoted = nodeArgs.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  // Raise the descriptor limit for the 10,000-socket storm; exec keeps the pid the server's own.
  const child = spawn("bash", ["-c", `ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); exec '${process.execPath}' ${quoted}`], {
    cwd: SERVER_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL: options.redisUrl,
      SESSION_SECRET,
      BENCH_PROBE_FILE: probeFile,
      DEMO_DATA: "false",
      // Configured by its environment, so it counts as set up: the bench registers its users (issue 18).
      REGISTRATION: "open",
      LOG_LEVEL: "warn",
      MESSAGE_RATE_LIMIT: "0",
      LOGIN_RATE_LIMIT: "0",
      LOGIN_RATE_LIMIT_PER_ADDRESS: "0",
      // The load generator is one user sending hundreds of messages a second on a few sockets,
      // and the storm opens 20 sockets per user: abuse limits off, as the message rate limit.
      SOCKET_EVENT_BUDGET: "0",
      MAX_SOCKETS_PER_USER: "0",
      ...(options.flushMs !== undefined ? { DELIVERY_FLUSH_MS: String(options.flushMs) } : {}),
      ...options.extraEnv,
    },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await Promise.race([
      waitForHealth(url, 30_000),
      exited.then(() => {
        throw new Error(`${options.name} exited during start-up; see ${logFile}`);
      }),
    ]);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    name: options.name,
    url,
    port,
    pid: child.pid!,
    child,
    logFile,
    async probe(timeoutMs = 60_000) {
      if (child.exitCode !== null || child.signalCode !== null) return null;
      rmSync(probeFile, { force: true });
      child.kill("SIGUSR2");
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) {
        if (!existsSync(probeFile)) continue;
        const p = JSON.parse(readFileSync(probeFile, "utf8")) as {
          cpuUserUs: number; cpuSystemUs: number; gc: boolean; snapshot?: string; peak?: ServerProbe["peak"];
          memory: { heapUsed: number; heapTotal: number; external: number; rss: number };
        };
        return {
          cpuMs: (p.cpuUserUs + p.cpuSystemUs) / 1000,
          heapUsedBytes: p.memory.heapUsed,
          heapTotalBytes: p.memory.heapTotal,
          externalBytes: p.memory.external,
          rssBytes: p.memory.rss,
          gc: p.gc,
          snapshot: p.snapshot,
          peak: p.peak,
        };
      }
      return null;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
