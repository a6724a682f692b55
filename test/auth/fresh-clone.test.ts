import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import semver from "semver";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freePort, usePrivateRedis } from "../support/redis-server.js";

/** `npm test` and `npm start` work by themselves on a fresh clone, on Node 20 without warnings. */
describe("a fresh clone", () => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string>; engines: { node: string } };
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }>;
  };

  it("npm test installs what is missing first (the same step as npm start), then typechecks, builds and runs the suite", () => {
    expect(pkg.scripts.test).toMatch(/^node scripts\/ensure-deps\.mjs && npm run typecheck && npm run build && vitest run$/);
    expect(readFileSync("scripts/start.mjs", "utf8")).toMatch(/from "\.\/ensure-deps\.mjs"/);
  });

  it("every locked package accepts the oldest Node the project supports (no EBADENGINE on Node 20)", () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    expect(semver.major(oldest)).toBe(20);
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
      return range && !semver.satisfies(oldest, range) ? [`${path}@${entry.version}: node ${range}`] : [];
    });
    expect(refusing).toEqual([]);
  });
});

/** `node scripts/start.mjs` as `npm start` runs it, on the built server, its output collected. */
function startCommand(env: Record<string, string | undefined>, args: string[] = []) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, START_SKIP_INSTALL: "1", START_SKIP_BUILD: "1", HOST: "127.0.0.1", LOG_LEVEL: "info" };
  delete childEnv.REDIS_URL;
  delete childEnv.REDIS_CLUSTER_NODES;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name];
    else childEnv[name] = value;
  }
  const child = spawn(process.execPath, ["scripts/start.mjs", ...args], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    /** Resolves once the output matches `pattern` (or rejects when the command exits first). */
    async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exited.then(() => (done = true));
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (done || Date.now() > deadline) throw new Error(`no ${pattern} in the output of npm start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(): Promise<number | null> {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}

async function redisAt(url: string) {
  const client = createClient({ url });
  await client.connect();
  return client;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitUntil(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether something can listen on 127.0.0.1:`port` now. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

const OWN_REDIS = /Redis: its own redis-server at (redis:\/\/127\.0\.0\.1:(\d+)) \(pid (\d+); data in ([^,]+),/;

/**
 * `npm start` without REDIS_URL runs a Redis of its own with its data in REDIS_DATA_DIR, never one
 * that happens to answer on 6379 (on Debian, installing redis-server starts a shared one there);
 * with REDIS_URL it uses that one and starts nothing. These run the built server (`npm run build:server`).
 */
describe("npm start's Redis", { timeout: 120_000 }, () => {
  const external = usePrivateRedis();
  const running: Array<ReturnType<typeof startCommand>> = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((command) => command.stop()));
  });
  const start = (env: Record<string, string | undefined>, args?: string[]) => {
    const command = startCommand(env, args);
    running.push(command);
    return command;
  };
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "redis-chat-start-"));
    dirs.push(dir);
    return dir;
  };

  it("without REDIS_URL starts a redis-server of its own on a port that is not 6379, with its data in REDIS_DATA_DIR, and the server uses it", async () => {
    const dir = dataDir();
    const port = await freePort();
    const first = start({ REDIS_DATA_DIR: dir, PORT: String(port) });
    const [, url, redisPort] = await first.waitFor(OWN_REDIS);
    expect(Number(redisPort)).not.toBe(6379);
    expect(first.output()).toContain(`data in ${dir}`);
    await first.waitFor(/"redis-chat is listening"/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const redis = await redisAt(url!);
    expect(await redis.configGet("dir")).toEqual({ dir });
    expect(await redis.configGet("appendonly")).toEqual({ appendonly: "yes" });
    // The server generated its session secret into this Redis.
    expect(await redis.exists("secrets:session")).toBe(1);
    await redis.close();
  });

  it("a restart finds the same data, and stopping leaves no redis-server and no lock behind", async () => {
    const dir = dataDir();
    const first = start({ REDIS_DATA_DIR: dir, PORT: String(await freePort()) });
    const [, url, , redisPid] = await first.waitFor(OWN_REDIS);
    await first.waitFor(/"redis-chat is listening"/);
    const redis = await redisAt(url!);
    const secret = await redis.get("secrets:session");
    await redis.close();
    expect(existsSync(join(dir, "redis-chat.lock"))).toBe(true);

    expect(await first.stop()).toBe(0);
    expect(alive(Number(redisPid))).toBe(false);
    expect(existsSync(join(dir, "redis-chat.lock"))).toBe(false);

    const again = start({ REDIS_DATA_DIR: dir, PORT: String(await freePort()) });
    const [, urlAgain] = await again.waitFor(OWN_REDIS);
    const reopened = await redisAt(urlAgain!);
    expect(await reopened.get("secrets:session")).toBe(secret);
    await reopened.close();
  });

  it("a second copy on the same data directory is refused, naming the first and how to run a second one", async () => {
    const dir = dataDir();
    const first = start({ REDIS_DATA_DIR: dir, PORT: String(await freePort()) });
    const [, url] = await first.waitFor(OWN_REDIS);
    await first.waitFor(/"redis-chat is listening"/);

    const second = start({ REDIS_DATA_DIR: dir, PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`${dir} is in use by another npm start (pid ${first.child.pid}, its Redis at ${url})`);
    expect(second.output()).toContain("REDIS_DATA_DIR=");
    expect(second.output()).not.toMatch(OWN_REDIS);
    // The first is untouched: its Redis still answers and still holds the lock.
    const redis = await redisAt(url!);
    expect(await redis.ping()).toBe("PONG");
    await redis.close();
    expect(JSON.parse(readFileSync(join(dir, "redis-chat.lock"), "utf8")).pid).toBe(first.child.pid);
  });

  it("after a copy was killed outright, its server stops by itself and frees the port, and the next one stops the redis-server it left behind before starting its own on the data", async () => {
    const dir = dataDir();
    const port = await freePort();
    const first = start({ REDIS_DATA_DIR: dir, PORT: String(port) });
    const [, url, , redisPid] = await first.waitFor(OWN_REDIS);
    const [, serverPid] = await first.waitFor(/"pid":(\d+),[^\n]*"redis-chat is listening"/);
    const redis = await redisAt(url!);
    await redis.set("written-before-the-kill", "kept");
    await redis.close();
    first.child.kill("SIGKILL");
    await first.exited;
    expect(alive(Number(redisPid))).toBe(true); // its own process group: it outlives a SIGKILL
    // The server sees its launcher's IPC channel close and shuts down: nothing holds PORT.
    await waitUntil(() => !alive(Number(serverPid)));
    expect(await portIsFree(port)).toBe(true);

    const next = start({ REDIS_DATA_DIR: dir, PORT: String(await freePort()) });
    const [, nextUrl] = await next.waitFor(OWN_REDIS);
    expect(next.output()).toContain(`left behind by an earlier npm start (pid ${redisPid}`);
    await waitUntil(() => !alive(Number(redisPid)));
    const reopened = await redisAt(nextUrl!);
    expect(await reopened.get("written-before-the-kill")).toBe("kept");
    await reopened.close();
  });

  it("with REDIS_URL set uses that Redis, says so, and starts none (nor touches the data directory)", async () => {
    const dir = join(dataDir(), "unused");
    const port = await freePort();
    const command = start({ REDIS_URL: external.redis.url, REDIS_DATA_DIR: dir, PORT: String(port) });
    await command.waitFor(/"redis-chat is listening"/);
    expect(command.output()).toContain(`Redis: the one at REDIS_URL=${external.redis.url} (set, so none is started here`);
    expect(command.output()).not.toMatch(OWN_REDIS);
    expect(existsSync(dir)).toBe(false);
    expect(await external.raw.exists("secrets:session")).toBe(1);
  });

  it("with REDIS_URL set to a Redis that does not answer exits 1 and says how to get one of its own", async () => {
    const command = start({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PORT: String(await freePort()) });
    expect(await command.exited).toBe(1);
    expect(command.output()).toContain("REDIS_URL is set, but no Redis answers at");
    expect(command.output()).toContain("unset REDIS_URL");
  });

  it("--run (npm run search:reindex, demo:reset, attachments:migrate) uses the Redis of the npm start running on the same data", async () => {
    const dir = dataDir();
    const first = start({ REDIS_DATA_DIR: dir, PORT: String(await freePort()) });
    const [, url] = await first.waitFor(OWN_REDIS);
    await first.waitFor(/"redis-chat is listening"/);
    const probe = "process.stdout.write('REDIS_URL=' + process.env.REDIS_URL)";
    const tool = startCommand({ REDIS_DATA_DIR: dir }, ["--run", "--input-type=module", "-e", probe]);
    expect(await tool.exited).toBe(0);
    expect(tool.output()).toContain(`REDIS_URL=${url}`);
    expect(tool.output()).not.toMatch(OWN_REDIS);
    expect(JSON.parse(readFileSync("package.json", "utf8")).scripts["search:reindex"]).toContain("scripts/start.mjs --run dist/server/search-reindex.js");
  });
});
