import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createClient } from "redis";

export interface RedisServerHandle {
  port: number;
  url: string;
  dir: string;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Graceful stop (data kept in `dir` when append-only is on). */
  stop(): Promise<void>;
  /** Start again on the same port and directory (after kill or stop). */
  restart(): Promise<void>;
  /** SIGSTOP: Redis stalls (connections stay open, nothing is answered) until `resume`. */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Waits until the redis-server at `url` answers with its data in `dir`: a port found free can be
 * handed to another test file's Redis before ours binds it, and then ours exits while theirs answers.
 */
async function waitForOwnRedis(url: string, dir: string, gone: () => boolean, timeoutMs = 10_000): Promise<"ready" | "port-taken"> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone()) return "port-taken";
    const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
    client.on("error", () => {});
    try {
      await client.connect();
      const served = await client.configGet("dir");
      await client.close();
      if (served.dir === dir) return "ready";
      return "port-taken";
    } catch {
      client.destroy?.();
      if (Date.now() > deadline) throw new Error(`redis-server at ${url} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Starts a private redis-server on a free loopback port, for one test file. Never touches the
 * machine's own Redis on 6379.
 */
export async function startRedis(options: { appendOnly?: boolean; extraArgs?: string[] } = {}): Promise<RedisServerHandle> {
  let port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "redis-chat-test-"));
  let url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  /** Starts redis-server on `port`; "port-taken" when something else answers there. */
  const launch = async () => {
    const args = [
      "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
      "--appendonly", options.appendOnly ? "yes" : "no", "--appendfsync", "always",
      "--daemonize", "no", "--logfile", "",
      ...(options.extraArgs ?? []),
    ];
    const started = spawn("redis-server", args, { stdio: "ignore" });
    child = started;
    try {
      const outcome = await waitForOwnRedis(url, dir, () => started.exitCode !== null || started.signalCode !== null);
      if (outcome === "port-taken") started.kill("SIGKILL");
      return outcome;
    } catch (err) {
      // Nobody holds a handle to a server that did not start: it would outlive the test run.
      started.kill("SIGKILL");
      throw err;
    }
  };
  const exited = (proc: ChildProcess | undefined) =>
    new Promise<void>((resolve) => {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once("exit", () => resolve());
    });

  for (let attempt = 1; (await launch()) === "port-taken"; attempt++) {
    if (attempt === 5) throw new Error(`no free port for a redis-server after ${attempt} tries`);
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
  }
  return {
    port,
    url,
    dir,
    async kill() {
      const proc = child;
      proc?.kill("SIGKILL");
      await exited(proc);
    },
    async stop() {
      const proc = child;
      proc?.kill("SIGTERM");
      await exited(proc);
    },
    async restart() {
      if ((await launch()) === "port-taken") throw new Error(`port ${port} was taken while its redis-server was down`);
    },
    pause() {
      child?.kill("SIGSTOP");
    },
    resume() {
      child?.kill("SIGCONT");
    },
  };
}

export type RawRedis = ReturnType<typeof createClient>;

/**
 * For one test file: a private redis-server and a plain client to inspect it, started before the
 * file's tests and stopped after them. Read `.redis` and `.raw` inside tests and hooks.
 */
export function usePrivateRedis(options: Parameters<typeof startRedis>[0] = {}): { redis: RedisServerHandle; raw: RawRedis } {
  const handles = {} as { redis: RedisServerHandle; raw: RawRedis };
  beforeAll(async () => {
    handles.redis = await startRedis(options);
    handles.raw = createClient({ url: handles.redis.url });
    await handles.raw.connect();
  });
  afterAll(async () => {
    await handles.raw?.close();
    await handles.redis?.kill();
  });
  return handles;
}
