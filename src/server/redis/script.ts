import { createHash } from "node:crypto";
import type { Redis } from "./connection.js";

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when Redis does not have it cached
 * (first use, or after a restart). One round trip in the common case.
 */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
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
