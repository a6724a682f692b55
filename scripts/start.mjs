#!/usr/bin/env node
// `npm start`: install what is missing, build what is stale, make sure a Redis answers, then run
// the server. Plain Node (built-ins only): it runs before `npm install` on a fresh clone.
//
//   1. node_modules missing or older than package-lock.json -> `npm ci` (`npm install` without a lock)
//   2. dist/server/main.js or dist/client/index.html missing or older than the newest file under
//      src/ -> `npm run build` (`npm run build:server` while there is no src/client/vite.config.ts)
//   3. Redis. REDIS_URL (or REDIS_CLUSTER_NODES) set -> that one, which must answer PING. Unset ->
//      a redis-server of its own (scripts/own-redis.mjs) on a free port, data in REDIS_DATA_DIR
//      (./data, append-only), stopped again when the server exits; never whatever answers on
//      6379. One copy per data directory (a lock file); no redis-server -> exit 1 with advice.
//   4. `node dist/server/main.js` with this environment (REDIS_URL pointing at the Redis of step
//      3); SIGINT/SIGTERM are passed on, and this process exits with the server's exit code.
//
// `--run <script> [args]` skips steps 1-2 and runs the script instead of the server, on the Redis
// of a `npm start` running on the same data directory when there is one (`npm run search:reindex`,
// `demo:reset`, `attachments:migrate` go through it, so they reach the data `npm start` uses).
//
// `npm run demo` (`--demo`) is the same with DEMO_DATA=true: the demo users and messages are
// written into an empty database (issue 18: never unless asked).
//
// Extra variables read only here: REDIS_DATA_DIR (where its own redis-server keeps its data,
// default ./data) and START_SKIP_INSTALL / START_SKIP_BUILD (=1: skip steps 1 / 2).

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import net from "node:net";
import { delimiter, dirname, join, resolve } from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { ensureDependencies } from "./ensure-deps.mjs";
import { currentHolder, startOwnRedis } from "./own-redis.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
if (process.argv.includes("--demo")) process.env.DEMO_DATA = "true";
process.chdir(root);

const say = (line) => console.log(`[start] ${line}`);
const fail = (line, code = 1) => {
  console.error(`[start] ${line}`);
  process.exit(code);
};
const flag = (name) => ["1", "true", "yes", "on"].includes((process.env[name] ?? "").toLowerCase());

/** Modification time in ms, or 0 when the path does not exist. */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Newest modification time of any file below `dir` (skipping node_modules and dot entries). */
function newestUnder(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : mtime(path));
  }
  return newest;
}

/** Runs npm with the given arguments, output shown; the same npm that runs `npm start` when known. */
function npm(args) {
  const execPath = process.env.npm_execpath;
  const [cmd, argv] =
    execPath && /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath, ...args]] : ["npm", args];
  say(`running: npm ${args.join(" ")}`);
  const result = spawnSync(cmd, argv, { stdio: "inherit", shell: process.platform === "win32" && cmd === "npm" });
  if (result.error) fail(`could not run npm: ${result.error.message}`);
  if (result.status !== 0) fail(`npm ${args.join(" ")} failed (exit ${result.status ?? result.signal})`, result.status || 1);
}

function onPath(command) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// 1. Dependencies: scripts/ensure-deps.mjs, shared with `npm test`

function install() {
  ensureDependencies({ say, fail });
}

// ---------------------------------------------------------------------------------------------
// 2. Build

function build() {
  if (flag("START_SKIP_BUILD")) return;
  const hasClient = existsSync("src/client/vite.config.ts");
  const sourcesAt = Math.max(newestUnder("src"), mtime("tsconfig.json"));
  const outputs = ["dist/server/main.js", ...(hasClient ? ["dist/client/index.html"] : [])];
  const stale = outputs.filter((file) => mtime(file) < sourcesAt);
  if (stale.length === 0) return;
  say(`${stale.map((f) => (existsSync(f) ? `${f} is older than src/` : `${f} is missing`)).join("; ")}: building (a first build takes a minute or more on a small machine; later starts reuse it)`);
  if (!hasClient) say("no src/client/vite.config.ts: building the server only (the web client is not built)");
  npm(["run", hasClient ? "build" : "build:server"]);
}

// ---------------------------------------------------------------------------------------------
// 3. Redis

/** Splits a redis:// or rediss:// URL into what a PING needs. */
function parseRedisUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    fail(`REDIS_URL is not a URL: ${text}`, 2);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") fail(`REDIS_URL must start with redis:// or rediss://: ${text}`, 2);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  return {
    tls: url.protocol === "rediss:",
    host,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

/** Hides the password of a URL for printing. */
const printable = (text) => text.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");

const resp = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/**
 * One RESP round trip: AUTH (when the URL has a password) and PING. Resolves to
 * `{ ok: true }` on +PONG, `{ ok: false, refused: true }` when nothing listens, and
 * `{ ok: false, redisError }` when Redis answered with an error (a wrong password, say), and
 * `{ ok: false, reason }` when something answered but not as Redis (or not at all).
 */
function ping(target, timeoutMs = 1500) {
  return new Promise((done) => {
    let settled = false;
    let buffer = "";
    const finish = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      done(result);
    };
    const options = { host: target.host, port: target.port };
    const socket = target.tls
      ? tls.connect({ ...options, servername: net.isIP(target.host) ? undefined : target.host, rejectUnauthorized: false })
      : net.connect(options);
    const timer = setTimeout(() => finish({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    const commands = [];
    if (target.password) commands.push(target.username ? resp("AUTH", target.username, target.password) : resp("AUTH", target.password));
    commands.push(resp("PING"));
    socket.once(target.tls ? "secureConnect" : "connect", () => socket.write(commands.join("")));
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      const lines = buffer.split("\r\n");
      if (lines.length - 1 < commands.length) return; // wait for one reply line per command
      for (const line of lines.slice(0, commands.length)) {
        if (line.startsWith("-")) return finish({ ok: false, redisError: line.slice(1) });
      }
      const last = lines[commands.length - 1];
      finish(last === "+PONG" ? { ok: true } : { ok: false, reason: `unexpected answer to PING: ${JSON.stringify(last.slice(0, 60))}` });
    });
    socket.on("error", (err) =>
      finish(err.code === "ECONNREFUSED" ? { ok: false, refused: true } : { ok: false, reason: err.message }),
    );
    socket.on("close", () => finish({ ok: false, reason: "connection closed without an answer" }));
  });
}


/** The redis-server this script started ({ url, port, child, logFile, release }), if any. */
let ownRedis;

function noRedisAdvice() {
  return [
    "redis-server is not installed here, and REDIS_URL is not set.",
    "  Install it:  sudo apt-get install redis-server   (Debian/Ubuntu; macOS: brew install redis)",
    "  and run `npm start` again: it starts a Redis of its own (data in ./data), never the system's.",
    "  Or point REDIS_URL at a running Redis:  REDIS_URL=redis://host:6379 npm start",
  ].join("\n");
}

/**
 * Which Redis the server gets: the one REDIS_URL (or REDIS_CLUSTER_NODES) names when set, else a
 * redis-server of its own on a free port, with its data in REDIS_DATA_DIR. Never whatever happens
 * to answer on 6379: on Debian, installing redis-server starts a shared system Redis there.
 * `run` is the `--run` tool mode: a running `npm start` on the same directory lends its Redis.
 */
async function ensureRedis({ run = false } = {}) {
  if (process.env.REDIS_CLUSTER_NODES) {
    say(`Redis: the cluster at REDIS_CLUSTER_NODES=${process.env.REDIS_CLUSTER_NODES} (set, so none is started here; not checked)`);
    return;
  }
  const urlText = process.env.REDIS_URL;
  if (urlText) {
    const target = parseRedisUrl(urlText);
    const answer = await ping(target);
    if (answer.ok) {
      say(`Redis: the one at REDIS_URL=${printable(urlText)} (set, so none is started here and ./data is not used)`);
      return;
    }
    if (answer.redisError) fail(`Redis at ${printable(urlText)} answered with an error: ${answer.redisError}\n  (check the user and password in REDIS_URL)`);
    fail(
      `REDIS_URL is set, but no Redis answers at ${printable(urlText)} (${answer.refused ? "connection refused" : answer.reason}).\n` +
        "  Start that Redis, or unset REDIS_URL: `npm start` then runs a Redis of its own (data in ./data).",
    );
  }

  const dataDir = resolve(process.env.REDIS_DATA_DIR || "data");
  if (run) {
    const { running } = currentHolder(dataDir);
    if (running?.port) {
      process.env.REDIS_URL = running.url;
      say(`Redis: the one of the npm start running on ${dataDir} (pid ${running.pid}), at ${running.url}`);
      return;
    }
  }
  const binary = onPath("redis-server");
  if (!binary) fail(noRedisAdvice());
  let started;
  try {
    // The server's own ports are free until it starts, so the system could hand one to Redis.
    const avoidPorts = [process.env.PORT ?? "3000", process.env.METRICS_PORT].map(Number).filter((port) => port > 0);
    started = await startOwnRedis({ binary, dataDir, say, avoidPorts, ping: (port) => ping({ host: "127.0.0.1", port }, 500) });
  } catch (err) {
    fail(err.message);
  }
  if (started.heldBy) {
    const { pid, url } = started.heldBy;
    fail(
      [
        `${dataDir} is in use by another npm start (pid ${pid}${url ? `, its Redis at ${url}` : ""}).`,
        "  Two copies must not share one data directory. For a second, separate place give this one its own:",
        "    REDIS_DATA_DIR=./data-2 PORT=3001 npm start",
        ...(url ? [`  or run a second instance of the same place on that copy's Redis:  REDIS_URL=${url} PORT=3001 npm start`] : []),
      ].join("\n"),
    );
  }
  ownRedis = started;
  process.env.REDIS_URL = started.url;
  say(`Redis: its own redis-server at ${started.url} (pid ${started.child.pid}; data in ${dataDir}, append-only; log in ${started.logFile}). Set REDIS_URL to use another Redis`);
}

const running = (child) => child && child.exitCode === null && child.signalCode === null;

/** SIGTERM (Redis flushes the append-only file and exits), SIGKILL after 10 s; then the lock goes. */
async function stopRedis() {
  const child = ownRedis?.child;
  if (running(child)) {
    say(`stopping redis-server (pid ${child.pid})`);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  ownRedis?.release();
}

// Last resort when this process goes away some other way: never leave our redis-server behind.
process.on("exit", () => {
  if (running(ownRedis?.child)) ownRedis.child.kill("SIGKILL");
  ownRedis?.release();
});

// ---------------------------------------------------------------------------------------------
// 4. The server

async function main() {
  // Until the server runs, a signal just stops everything (including a redis-server we started).
  const early = async (signal) => {
    await stopRedis();
    process.exit(128 + (signal === "SIGINT" ? 2 : 15));
  };
  process.on("SIGINT", early);
  process.on("SIGTERM", early);

  // `--run <script> [args]`: a tool (search:reindex, demo:reset...) on the Redis `npm start` would
  // use, instead of the server; its npm script has built it.
  const runAt = process.argv.indexOf("--run");
  const entry = runAt >= 0 ? process.argv.slice(runAt + 1) : ["dist/server/main.js"];
  if (entry.length === 0) fail("--run needs a script to run", 2);
  if (runAt < 0) {
    install();
    build();
  }
  await ensureRedis({ run: runAt >= 0 });

  say(`starting ${runAt >= 0 ? "" : "the server: "}node ${entry.join(" ")}`);
  // The server gets an IPC channel it never uses for messages: it closes when this process dies,
  // however it dies (SIGKILL too), and the server stops on that (src/server/main.ts). Not for a
  // `--run` tool: an open channel would keep it from exiting when done.
  const stdio = runAt >= 0 ? "inherit" : ["inherit", "inherit", "inherit", "ipc"];
  const server = spawn(process.execPath, entry, { stdio, env: process.env });
  process.off("SIGINT", early);
  process.off("SIGTERM", early);
  const forward = (signal) => {
    if (running(server)) server.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  process.on("SIGHUP", forward);
  // `npm start` runs this under `sh -c`; a SIGTERM sent to npm alone kills npm and the shell but
  // does not reach us. Treat losing the parent as a SIGTERM, so nothing is left behind.
  const parent = process.ppid;
  const watchParent = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (err) {
      if (err.code !== "ESRCH") return;
      clearInterval(watchParent);
      say("parent process is gone: stopping");
      forward("SIGTERM");
    }
  }, 1000);
  watchParent.unref();

  const [code, signal] = await new Promise((resolveExit) => {
    server.once("exit", (c, s) => resolveExit([c, s]));
    server.once("error", (err) => {
      console.error(`[start] could not start the server: ${err.message}`);
      resolveExit([1, null]);
    });
  });
  if (signal) say(`server stopped by ${signal}`);
  else if (code !== 0) say(`server exited with code ${code}`);
  await stopRedis();
  const signals = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  process.exit(code ?? 128 + (signals[signal] ?? 1));
}

main().catch(async (err) => {
  console.error(`[start] ${err?.stack ?? err}`);
  await stopRedis();
  process.exit(1);
});
