/** Where a run happened, for the results table. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { ROOT } from "./launcher.js";

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  ramGB: number;
  os: string;
  node: string;
  redis: string;
  commit: string;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

export function machineInfo(redisVersion: string): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? "";
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  const head = run("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = run("git", ["status", "--porcelain", "--", "src"]) !== "";
  return {
    nproc: Number(run("nproc", [])) || os.availableParallelism(),
    cpuModel,
    ramGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    redis: redisVersion || run("redis-server", ["--version"]).replace(/^Redis server v=(\S+).*$/, "$1"),
    commit: head ? `${head}${dirty ? " (+ uncommitted src changes)" : ""}` : "(no commit yet)",
  };
}
