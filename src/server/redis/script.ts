import { createHash } from "node:crypto";
import type { Redis } from "./connection.js";

/** Every script defined, so that each (re)connection can load them all before anything else. */
const allScripts = new Set<LuaScript>();

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when Redis does not have it cached
 * (first use, or after a restart). One round trip in the common case.
 *
 * The fallback alone would reorder pipelined calls: while one call's NOSCRIPT travels back, a
 * later call's EVALSHA may already succeed (its script loaded by another EVAL), so two messages
 * sent back to back were stored out of send order after every Redis restart. `loadAll` runs as
 * the first command of each connection, so EVALSHA finds the scripts; the fallback stays as a
 * backstop (an operator's SCRIPT FLUSH).
 */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
    allScripts.add(this);
  }

  /** SCRIPT LOAD of every script; call it synchronously on the connection's `ready` event. */
  static loadAll(redis: Redis): Promise<unknown> {
    return Promise.all([...allScripts].map((script) => redis.scriptLoad(script.source)));
  }

  /** The SHA1 of every script defined (for SCRIPT EXISTS: readiness). */
  static allShas(): string[] {
    return [...allScripts].map((script) => script.sha);
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    const options = { keys, arguments: args.map(String) };
    try {
      return await redis.evalSha(this.sha, options);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("NOSCRIPT")) return redis.eval(this.source, options);
      throw err;
    }
  }
}
