import { scriptsExist, type Redis } from "../redis/connection.js";
import { LuaScript } from "../redis/script.js";

/** Longer than this without an answer counts as Redis not answering. */
export const READINESS_TIMEOUT_MS = 1000;

export type CheckState = "ok" | "failing";

export interface Readiness {
  ready: boolean;
  checks: {
    /** Redis answered SCRIPT EXISTS within READINESS_TIMEOUT_MS. */
    redis: CheckState;
    /** Every Lua script is in Redis's script cache (on every master). */
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
 * SCRIPT EXISTS, and when some are missing (an operator's SCRIPT FLUSH; a failover to a replica
 * that never saw them) load them again: otherwise every instance would report not-ready at once
 * until each script happened to run. False when they are still missing after that.
 */
async function ensureScripts(redis: Redis): Promise<boolean> {
  if (await scriptsExist(redis, LuaScript.allShas())) return true;
  await LuaScript.loadAll(redis);
  return scriptsExist(redis, LuaScript.allShas());
}
