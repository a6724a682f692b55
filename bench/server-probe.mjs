/**
 * Bench only: preloaded into servers the bench starts (`node --expose-gc --import`), never part of
 * the server itself. On SIGUSR2 it writes the process's CPU time (process.cpuUsage, taken before
 * anything else) and, after two full garbage collections, its memory (process.memoryUsage) to
 * $BENCH_PROBE_FILE, so a scenario can read what live objects cost without a collector's leftovers.
 * With $BENCH_HEAP_SNAPSHOT_DIR set, it also writes a heap snapshot there (slow: for analysis).
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  let seq = 0;
  process.on("SIGUSR2", () => {
    const cpu = process.cpuUsage();
    globalThis.gc?.();
    globalThis.gc?.();
    const memory = process.memoryUsage();
    const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
    const snapshot = snapshotDir ? writeHeapSnapshot(join(snapshotDir, `server-${process.pid}-${Date.now()}.heapsnapshot`)) : undefined;
    const body = JSON.stringify({ seq: ++seq, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, memory, gc: typeof globalThis.gc === "function", snapshot });
    writeFileSync(`${file}.tmp`, body);
    renameSync(`${file}.tmp`, file);
  });
}
