/** What every scenario gets: options, the Redis, a way to start servers, the user pool. */
import type { Options } from "./options.js";
import { launchServer, type ServerHandle, type ServerProbe } from "./launcher.js";
import { sampleProc, type ProcSample } from "./procstat.js";
import type { UserPool } from "./users.js";

/** A server under test: started by the bench, or given with --url (then pid only via --server-pid). */
export interface Target {
  name: string;
  url: string;
  pid: number | null;
  /** Started servers only: CPU time and memory after a full collection (see bench/server-probe.mjs). */
  probe?: () => Promise<ServerProbe | null>;
  stop(): Promise<void>;
}

export function sampleTarget(target: Target): ProcSample | null {
  return target.pid ? sampleProc(target.pid) : null;
}

export class BenchContext {
  private readonly running = new Set<ServerHandle>();
  constructor(
    readonly options: Options,
    readonly redisUrl: string | null,
    readonly pool: UserPool,
  ) {}

  /** `count` servers on the shared Redis, or the --url targets. */
  async startServers(count: number, label: string, extraEnv?: Record<string, string>): Promise<Target[]> {
    const { options } = this;
    if (options.urls.length) {
      if (options.urls.length < count) throw new Error(`scenario ${label} needs ${count} --url values`);
      return options.urls.slice(0, count).map((url, i) => ({ name: `server-${i + 1}`, url, pid: options.serverPids[i] ?? null, stop: async () => {} }));
    }
    if (!this.redisUrl) throw new Error("no redis");
    const handles = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        launchServer({
          name: `${label}-server-${i + 1}`,
          redisUrl: this.redisUrl!,
          flushMs: options.flushMs,
          profileDir: options.profileDir ?? undefined,
          tsx: options.tsx,
          extraEnv: options.durableAcks ? { ...extraEnv, DURABLE_ACKS: "replica" } : extraEnv,
        }),
      ),
    );
    for (const handle of handles) this.running.add(handle);
    return handles.map((handle) => ({
      name: handle.name,
      url: handle.url,
      pid: handle.pid,
      probe: () => handle.probe(),
      stop: async () => {
        await handle.stop();
        this.running.delete(handle);
      },
    }));
  }

  /** For the exit handler: SIGKILL whatever is still running. */
  killAll(): void {
    for (const handle of this.running) handle.child.kill("SIGKILL");
  }
}
