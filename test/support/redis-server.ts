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

async function waitForPing(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      await client.close();
      return;
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
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "redis-chat-test-"));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

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
      await waitForPing(url);
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

  await launch();
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
      await launch();
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
