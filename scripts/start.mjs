#!/usr/bin/env node
// `npm start`: install what is missing, build what is stale, make sure a Redis answers, then run
// the server. Plain Node (built-ins only): it runs before `npm install` on a fresh clone.
//
//   1. node_modules missing or older than package-lock.json -> `npm ci` (`npm install` without a lock)
//   2. dist/server/main.js or dist/client/index.html missing or older than the newest file under
//      src/ -> `npm run build` (`npm run build:server` while there is no src/client/vite.config.ts)
//   3. PING at REDIS_URL (default redis://127.0.0.1:6379). Nothing there, the URL is on this machine
//      and redis-server is on the PATH -> start one as a child process (data in ./data, append-only
//      file on), stopped again when the server exits. No Redis at all -> exit 1 with advice.
//   4. `node dist/server/main.js` with this environment; SIGINT/SIGTERM are passed on, and this
//      process exits with the server's exit code.
//
// `npm run demo` (`--demo`) is the same with DEMO_DATA=true: the demo users and messages are
// written into an empty database (issue 18: never unless asked).
//
// Extra variables read only here: REDIS_DATA_DIR (where a started redis-server keeps its data,
// default ./data) and START_SKIP_INSTALL / START_SKIP_BUILD (=1: skip steps 1 / 2).

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import net from "node:net";
import { delimiter, dirname, join, resolve } from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { ensureDependencies } from "./ensure-deps.mjs";

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
  say(`${stale.map((f) => (existsSync(f) ? `${f} is older than src/` : `${f} is missing`)).join("; ")}: building`);
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
    local: ["127.0.0.1", "localhost", "::1", "0.0.0.0", "::"].includes(host.toLowerCase()) || host.startsWith("127."),
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The redis-server this script started, if any. */
let redisChild;
let redisLogFile;

function noRedisAdvice(urlText) {
  return [
    `no Redis answers at ${printable(urlText)}, and redis-server is not installed here.`,
    "  Install it:  sudo apt-get install redis-server   (Debian/Ubuntu; macOS: brew install redis)",
    "  and run `npm start` again (it starts one for you), or point REDIS_URL at a running Redis:",
    "  REDIS_URL=redis://host:6379 npm start",
  ].join("\n");
}

async function ensureRedis() {
  if (process.env.REDIS_CLUSTER_NODES) {
    say(`REDIS_CLUSTER_NODES is set: using Redis Cluster at ${process.env.REDIS_CLUSTER_NODES} (not checked here)`);
    return;
  }
  const urlText = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const target = parseRedisUrl(urlText);
  const first = await ping(target);
  if (first.ok) {
    say(`Redis at ${printable(urlText)} answers PING`);
    return;
  }
  if (first.redisError) fail(`Redis at ${printable(urlText)} answered with an error: ${first.redisError}\n  (check the user and password in REDIS_URL)`);
  if (!first.refused) fail(`something is at ${printable(urlText)} but it does not answer PING as Redis (${first.reason}); fix it or set REDIS_URL`);
  if (!target.local) fail(`no Redis answers at ${printable(urlText)} (connection refused); start it there or set REDIS_URL`);
  const binary = onPath("redis-server");
  if (!binary) fail(noRedisAdvice(urlText));
  if (target.tls) fail(`no Redis answers at ${printable(urlText)}, and this script only starts plain (non-TLS) redis-server; start one or set REDIS_URL`);

  const dataDir = resolve(process.env.REDIS_DATA_DIR || "data");
  mkdirSync(dataDir, { recursive: true });
  redisLogFile = join(dataDir, "redis-server.log");
  const bind = target.host === "::1" ? "::1" : "127.0.0.1";
  const args = [
    "--port", String(target.port),
    "--bind", bind,
    "--dir", dataDir,
    "--appendonly", "yes",
    "--appendfsync", "everysec",
    "--save", "",
    "--daemonize", "no",
    "--logfile", redisLogFile,
  ];
  if (target.password) {
    if (target.username && target.username !== "default") {
      fail(`REDIS_URL names the user ${target.username}; start that Redis yourself (this script only sets a password for the default user)`);
    }
    args.push("--requirepass", target.password);
  }
  say(`no Redis at ${printable(urlText)}: starting redis-server on port ${target.port} (data in ${dataDir}, log in ${redisLogFile})`);
  // Its own process group: a Ctrl+C in the terminal reaches the chat server, not Redis, so Redis
  // stays up while the server shuts down cleanly, and is stopped after it.
  redisChild = spawn(binary, args, { stdio: "ignore", detached: true });
  let exitedEarly;
  redisChild.once("exit", (code, signal) => (exitedEarly = code ?? signal));
  redisChild.once("error", (err) => (exitedEarly = err.message));

  const deadline = Date.now() + 10_000;
  for (;;) {
    await sleep(100);
    if (exitedEarly !== undefined) fail(`redis-server exited at start (${exitedEarly}); see ${redisLogFile}:\n${tail(redisLogFile)}`);
    if ((await ping(target, 500)).ok) break;
    if (Date.now() > deadline) {
      await stopRedis();
      fail(`redis-server did not answer PING within 10 s; see ${redisLogFile}:\n${tail(redisLogFile)}`);
    }
  }
  say(`redis-server is up (pid ${redisChild.pid})`);
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

const running = (child) => child && child.exitCode === null && child.signalCode === null;

/** SIGTERM (Redis flushes the append-only file and exits), SIGKILL after 10 s. */
async function stopRedis() {
  const child = redisChild;
  if (!running(child)) return;
  say(`stopping redis-server (pid ${child.pid})`);
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

// Last resort when this process goes away some other way: never leave our redis-server behind.
process.on("exit", () => {
  if (running(redisChild)) redisChild.kill("SIGKILL");
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

  install();
  build();
  await ensureRedis();

  say("starting the server: node dist/server/main.js");
  const server = spawn(process.execPath, ["dist/server/main.js"], { stdio: "inherit", env: process.env });
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
