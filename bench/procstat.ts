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
