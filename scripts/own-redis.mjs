// The redis-server of its own that `npm start` runs when REDIS_URL is not set (scripts/start.mjs).
// Plain Node (built-ins only): it runs before `npm install` on a fresh clone.
//
// Its data directory (REDIS_DATA_DIR, default ./data) is what makes a restart find the same data,
// whatever port the Redis gets; so the port is any free one, and two copies are told apart by the
// lock file `<dir>/redis-chat.lock` ({pid, redisPid, port}) rather than by a port. Two Redis
// processes appending to one append-only file would corrupt it, so a second copy on the same
// directory is refused, and a redis-server left behind by a copy that was killed is stopped first.

import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join, resolve } from "node:path";

export const LOCK_FILE = "redis-chat.lock";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const resp = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/** Sends one command to a plain Redis on 127.0.0.1 and resolves to the raw reply text ("" on no answer). */
function rawCommand(port, args, timeoutMs = 1000) {
  return new Promise((done) => {
    let text = "";
    const socket = net.connect({ host: "127.0.0.1", port });
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      done(text);
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.once("connect", () => socket.write(resp(...args)));
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      // A simple-string or error reply, or CONFIG GET's two-element array, is complete here.
      if (/^[+-].*\r\n$/.test(text) || (text.startsWith("*") && text.split("\r\n").length >= 6) || text === "*0\r\n") finish();
    });
    socket.on("error", finish);
    socket.on("close", finish);
  });
}

/** True when a Redis answers on `port` and keeps its data in `dir`. */
async function redisServesDir(port, dir) {
  const reply = await rawCommand(port, ["CONFIG", "GET", "dir"]);
  return reply.includes(`\r\n${dir}\r\n`);
}

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

function readLock(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** A free TCP port on 127.0.0.1, chosen by the system, other than those in `avoid`. */
async function freePortExcept(avoid) {
  for (;;) {
    const port = await freePort();
    if (!avoid.includes(port)) return port;
  }
}

/** A free TCP port on 127.0.0.1, chosen by the system. */
function freePort() {
  return new Promise((done, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/**
 * What holds `dataDir` now: `{ running: {pid, port, url} }` when another `npm start` is running on
 * it, `{}` otherwise. Used by start.mjs to refuse a second copy, and by `--run` tools to use that
 * copy's Redis.
 */
export function currentHolder(dataDir) {
  const lock = readLock(join(dataDir, LOCK_FILE));
  if (lock && lock.pid !== process.pid && alive(lock.pid)) {
    return { running: { pid: lock.pid, port: lock.port, url: `redis://127.0.0.1:${lock.port}` } };
  }
  return {};
}

/**
 * Takes the lock on `dataDir` (created atomically), or returns the running copy that holds it.
 * A lock left by a copy that is gone is taken over, after stopping the redis-server it left behind
 * (only when that Redis answers on the recorded port with this very directory: never a stranger).
 */
async function takeLock(dataDir, say) {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      closeSync(openSync(file, "wx"));
      writeFileSync(file, JSON.stringify({ pid: process.pid }));
      return { file };
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
    }
    const lock = readLock(file);
    if (lock === undefined) {
      // Being written by a copy starting this very moment: look again.
      await sleep(200);
      if (readLock(file) === undefined) rmSync(file, { force: true });
      continue;
    }
    if (alive(lock.pid) && lock.pid !== process.pid) {
      return { heldBy: { pid: lock.pid, port: lock.port, url: lock.port ? `redis://127.0.0.1:${lock.port}` : undefined } };
    }
    if (lock.redisPid && lock.port && alive(lock.redisPid) && (await redisServesDir(lock.port, dataDir))) {
      say(`a redis-server left behind by an earlier npm start (pid ${lock.redisPid}, port ${lock.port}) still has ${dataDir} open: stopping it first`);
      await rawCommand(lock.port, ["SHUTDOWN"], 10_000);
      const deadline = Date.now() + 10_000;
      while (alive(lock.redisPid) && Date.now() < deadline) await sleep(100);
      if (alive(lock.redisPid)) throw new Error(`redis-server pid ${lock.redisPid} did not stop; stop it, then remove ${file}`);
    }
    rmSync(file, { force: true });
  }
  throw new Error(`could not take the lock ${file}`);
}

/**
 * Starts redis-server with its data in `dataDir` on a free port (append-only, fsync every second)
 * and resolves to `{ url, port, child, release }`, or to `{ heldBy }` when another running copy holds
 * the directory. `release()` removes the lock (after the child has exited). `avoidPorts` are the ports
 * the chat server will listen on: free now, so the system may offer one of them to Redis.
 */
export async function startOwnRedis({ binary, dataDir, say, ping, avoidPorts = [] }) {
  dataDir = resolve(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const lock = await takeLock(dataDir, say);
  if (lock.heldBy) return { heldBy: lock.heldBy };
  const release = () => {
    const current = readLock(lock.file);
    if (current?.pid === process.pid) rmSync(lock.file, { force: true });
  };
  const logFile = join(dataDir, "redis-server.log");
  try {
    // The port is free when chosen but may be taken before redis-server binds it: try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePortExcept(avoidPorts);
      const args = [
        "--port", String(port),
        "--bind", "127.0.0.1",
        "--dir", dataDir,
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        "--daemonize", "no",
        "--logfile", logFile,
      ];
      // Its own process group: a Ctrl+C in the terminal reaches the chat server, not Redis, so
      // Redis stays up while the server shuts down cleanly, and is stopped after it.
      const child = spawn(binary, args, { stdio: "ignore", detached: true });
      let exited;
      child.once("exit", (code, signal) => (exited = code ?? signal));
      child.once("error", (err) => (exited = err.message));
      writeFileSync(lock.file, JSON.stringify({ pid: process.pid, redisPid: child.pid, port, dir: dataDir }));
      const url = `redis://127.0.0.1:${port}`;
      const deadline = Date.now() + 10_000;
      for (;;) {
        await sleep(100);
        if (exited !== undefined) break;
        if ((await ping(port)).ok) return { url, port, child, logFile, release };
        if (Date.now() > deadline) {
          child.kill("SIGKILL");
          throw new Error(`redis-server did not answer PING within 10 s; see ${logFile}:\n${tail(logFile)}`);
        }
      }
      const log = tail(logFile);
      if (attempt < 3 && /address already in use/i.test(log)) continue;
      throw new Error(`redis-server exited at start (${exited}); see ${logFile}:\n${log}`);
    }
  } catch (err) {
    release();
    throw err;
  }
}

export function tail(file, lines = 15) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

