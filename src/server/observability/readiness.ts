import { isRedisUnavailable, reachableMasterClients, type Redis } from "../redis/connection.js";
import { LuaScript } from "../redis/script.js";

/** Longer than this without an answer counts as Redis not answering. */
export const READINESS_TIMEOUT_MS = 1000;

export type CheckState = "ok" | "failing";

export interface Readiness {
  ready: boolean;
  checks: {
    /** Redis answered SCRIPT EXISTS within READINESS_TIMEOUT_MS (on Cluster: every master this instance reaches, at least one). */
    redis: CheckState;
    /** Every Lua script is in Redis's script cache (on every master this instance reaches). */
    scripts: CheckState;
    /** The `MESSAGES` subscription is live (this instance hears other instances). */
    pubsub: CheckState;
    /** `failing` once the instance was told to stop (SIGTERM) and is draining. */
    accepting: CheckState;
  };
}

export interface ReadinessSources {
  redis: Redis;
  pubsubLive: () => boolean;
  draining: () => boolean;
}

/**
 * Whether this instance should get traffic: Redis answers within a second, its scripts are loaded,
 * the pub/sub subscription is live and the instance is not draining. One SCRIPT EXISTS answers the
 * first two. Never throws; resolves within about READINESS_TIMEOUT_MS.
 *
 * It says whether THIS instance can serve. On Redis Cluster a master that is down (until its
 * replica is promoted) is down for every instance alike: taking instances out of the balancer for it
 * would only take out the rooms the other masters still serve. So the masters this instance is not
 * connected to are left out, and only its own pub/sub subscription counts.
 */
export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  let redis: CheckState = "ok";
  let scripts: CheckState = "ok";
  let timer: NodeJS.Timeout | undefined;
  try {
    const loaded = await Promise.race([
      ensureScripts(sources.redis),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), READINESS_TIMEOUT_MS);
      }),
    ]);
    if (!loaded) scripts = "failing";
  } catch {
    redis = "failing";
    scripts = "failing";
  } finally {
    clearTimeout(timer);
  }
  const checks = {
    redis,
    scripts,
    pubsub: sources.pubsubLive() ? "ok" : "failing",
    accepting: sources.draining() ? "failing" : "ok",
  } satisfies Readiness["checks"];
  return { ready: Object.values(checks).every((state) => state === "ok"), checks };
}

/**
 * SCRIPT EXISTS on each master this instance reaches, and where some are missing (an operator's
 * SCRIPT FLUSH; a failover to a replica that never saw them) load them again: otherwise every
 * instance would report not-ready at once until each script happened to run. False when they are
 * still missing after that.
 */
async function ensureScripts(redis: Redis): Promise<boolean> {
  const shas = LuaScript.allShas();
  const loaded = async (client: Redis) => (await client.scriptExists(shas)).every((flag) => Number(flag) === 1);
  const masters = await reachableMasterClients(redis);
  const results = await Promise.allSettled(
    masters.map(async (client) => (await loaded(client)) || (await LuaScript.loadAll(client), await loaded(client))),
  );
  // A master whose connection failed during the check (it just died, or the topology changed and
  // its client was replaced) is one this instance does not reach: like the others not connected.
  const answered = results.filter((r) => r.status === "fulfilled" || !isRedisUnavailable(r.reason) || masters.length === 1);
  if (answered.length === 0) throw new Error("no master answered");
  for (const result of answered) if (result.status === "rejected") throw result.reason;
  return answered.every((result) => result.status === "fulfilled" && result.value);
}
