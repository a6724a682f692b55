#!/usr/bin/env node
// Installs the dependencies when they are missing or older than package-lock.json: `npm ci`
// (`npm install` when there is no lock). Plain Node (built-ins only): it runs before anything is
// installed on a fresh clone. Used by `npm start` (scripts/start.mjs) and by `npm test` (its
// `pretest`), so that both quick-start commands work by themselves in a fresh clone.
//
// START_SKIP_INSTALL=1 skips it.

import { spawnSync } from "node:child_process";
import { existsSync, statSync, utimesSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Modification time in ms, or 0 when the path does not exist. */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Brings node_modules in line with the lock file when it is missing or older. `say` prints a line,
 * `fail(line, code)` stops the process. Returns true when it installed something.
 */
export function ensureDependencies({ say = (l) => console.log(`[deps] ${l}`), fail = defaultFail } = {}) {
  const flag = ["1", "true", "yes", "on"].includes((process.env.START_SKIP_INSTALL ?? "").toLowerCase());
  if (flag) return false;
  const at = (p) => resolve(root, p);
  const hasLock = existsSync(at("package-lock.json"));
  // npm writes node_modules/.package-lock.json at the end of every install: its time says when
  // node_modules was last brought in line with the lock.
  const installedAt = mtime(at("node_modules/.package-lock.json")) || mtime(at("node_modules"));
  const wantedAt = hasLock ? mtime(at("package-lock.json")) : mtime(at("package.json"));
  if (installedAt && installedAt >= wantedAt) return false;
  say(installedAt ? `dependencies are older than ${hasLock ? "package-lock.json" : "package.json"}` : "node_modules is missing");
  const args = hasLock ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"];
  // The same npm that runs this script when known (npm sets npm_execpath), else the one on PATH.
  const execPath = process.env.npm_execpath;
  const [cmd, argv] =
    execPath && /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath, ...args]] : ["npm", args];
  say(`running: npm ${args.join(" ")}`);
  const result = spawnSync(cmd, argv, { cwd: root, stdio: "inherit", shell: process.platform === "win32" && cmd === "npm" });
  if (result.error) fail(`could not run npm: ${result.error.message}`);
  if (result.status !== 0) fail(`npm ${args.join(" ")} failed (exit ${result.status ?? result.signal})`, result.status || 1);
  // Mark node_modules as current even if npm touched the lock file after its own bookkeeping.
  const now = new Date();
  if (existsSync(at("node_modules/.package-lock.json"))) utimesSync(at("node_modules/.package-lock.json"), now, now);
  return true;
}

function defaultFail(line, code = 1) {
  console.error(`[deps] ${line}`);
  process.exit(code);
}

// Run directly (`node scripts/ensure-deps.mjs`, the `pretest` script): install when needed.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensureDependencies();
