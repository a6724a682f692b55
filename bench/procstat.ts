/** CPU time and memory of a process from /proc, so the server needs no instrumentation. */
import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

export interface ProcSample {
  pid: number;
  /** user + system CPU time, milliseconds */
  cpuMs: number;
  rssBytes: number;
  /** wall clock of the sample, milliseconds (performance.now()) */
  at: number;
}

export function sampleProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return {
      pid,
      cpuMs: ((utime + stime) * 1000) / TICKS_PER_SECOND,
      rssBytes: rss ? Number(rss[1]) * 1024 : 0,
      at: performance.now(),
    };
  } catch {
    return null;
  }
}

export interface ProcDelta {
  pid: number;
  cpuMs: number;
  wallMs: number;
  /** CPU time / wall time, in cores (1.0 = one core busy) */
  cores: number;
  rssBeforeMB: number;
  rssAfterMB: number;
}

export function procDelta(before: ProcSample | null, after: ProcSample | null): ProcDelta | null {
  if (!before || !after) return null;
  const wallMs = after.at - before.at;
  const cpuMs = after.cpuMs - before.cpuMs;
  return {
    pid: after.pid,
    cpuMs,
    wallMs: Math.round(wallMs),
    cores: wallMs > 0 ? round(cpuMs / wallMs, 3) : 0,
    rssBeforeMB: round(before.rssBytes / 2 ** 20, 1),
    rssAfterMB: round(after.rssBytes / 2 ** 20, 1),
  };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Busy CPU time of the whole machine (all cores, from the first line of /proc/stat). */
export interface SystemSample {
  busyMs: number;
  at: number;
}

export function sampleSystem(): SystemSample | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busyMs: ((total - idle) * 1000) / TICKS_PER_SECOND, at: performance.now() };
  } catch {
    return null;
  }
}

/** Busy cores of the whole machine between two samples. */
export function systemCores(before: SystemSample | null, after: SystemSample | null): number | null {
  if (!before || !after || after.at <= before.at) return null;
  return round((after.busyMs - before.busyMs) / (after.at - before.at), 3);
}
