/**
 * Bench only: preloaded into servers the bench starts (`node --expose-gc --import`), never part of
 * the server itself. On SIGUSR2 it writes the process's CPU time (process.cpuUsage, taken before
 * anything else) and, after two full garbage collections, its memory (process.memoryUsage) to
 * $BENCH_PROBE_FILE, so a scenario can read what live objects cost without a collector's leftovers.
 * It also samples memory every 250 ms and reports the sample with the highest RSS since the last
 * probe (`peak`, with V8's heap spaces then): what the RSS during a step was made of.
 * With $BENCH_HEAP_SNAPSHOT_DIR set, it also writes a heap snapshot there (slow: for analysis).
 * With $BENCH_ALLOC_PROFILE_DIR set, V8's sampling heap profiler runs from the start, counting
 * collected objects too, and each probe writes what was allocated since the last one (by stack) as
 * a .heapprofile there: bytes allocated per message, whatever the machine's load.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Session } from "node:inspector";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  let seq = 0;
  let peak;
  const sample = () => {
    const memory = process.memoryUsage();
    if (peak && peak.rss >= memory.rss) return;
    const spaces = {};
    for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = s.space_size;
    peak = { ...memory, spaces };
  };
  setInterval(sample, 250).unref();
  const allocDir = process.env.BENCH_ALLOC_PROFILE_DIR;
  const session = allocDir ? new Session() : undefined;
  const startSampling = () =>
    session?.post("HeapProfiler.startSampling", { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  if (session) {
    session.connect();
    session.post("HeapProfiler.enable");
    startSampling();
  }
  /** Same-thread session: the callbacks run before post() returns. */
  const writeAllocations = (seq) => {
    let written;
    session?.post("HeapProfiler.stopSampling", (err, result) => {
      if (err || !result) return;
      written = join(allocDir, `server-${process.pid}-${seq}.heapprofile`);
      writeFileSync(written, JSON.stringify(result.profile));
    });
    startSampling();
    return written;
  };
  process.on("SIGUSR2", () => {
    const cpu = process.cpuUsage();
    sample();
    const allocations = writeAllocations(seq + 1);
    const peakSinceLast = peak;
    peak = undefined;
    globalThis.gc?.();
    globalThis.gc?.();
    const memory = process.memoryUsage();
    const snapshotDir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
    const snapshot = snapshotDir ? writeHeapSnapshot(join(snapshotDir, `server-${process.pid}-${Date.now()}.heapsnapshot`)) : undefined;
    const body = JSON.stringify({ seq: ++seq, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, memory, peak: peakSinceLast, allocations, gc: typeof globalThis.gc === "function", snapshot });
    writeFileSync(`${file}.tmp`, body);
    renameSync(`${file}.tmp`, file);
  });
}
