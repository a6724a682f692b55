import { loadConfig } from "./config.js";
import { Redis7SearchIndex } from "./domain/search/redis7.js";
import { SearchSweep } from "./domain/search/sweep.js";
import { createLogger } from "./logger.js";
import { connectRedis } from "./redis/connection.js";

/**
 * `npm run search:reindex`: indexes every message of every room at REDIS_URL (or the cluster of
 * REDIS_CLUSTER_NODES) for search: history from before search existed and what seed servers wrote.
 * Safe while servers run (indexing is idempotent; edits and deletions win). Prints its progress.
 */
async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.search) {
    console.error("search:reindex: SEARCH is off; nothing to do.");
    return 1;
  }
  const log = createLogger("warn");
  const { data: redis, close } = await connectRedis(config.redisUrl, log, config.redisClusterNodes);
  try {
    const sweep = new SearchSweep(redis, new Redis7SearchIndex(redis, true), config.serverId, log);
    const started = performance.now();
    let shown = 0;
    const rate = (messages: number) => Math.round(messages / ((performance.now() - started) / 1000));
    const done = await sweep.reindexAll((p) => {
      if (performance.now() - shown < 1000) return;
      shown = performance.now();
      process.stderr.write(`search:reindex: ${p.roomsDone}/${p.rooms} rooms, ${p.messages} messages (${rate(p.messages)}/s)\n`);
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`search:reindex: ${done.messages} messages in ${done.rooms} rooms indexed in ${seconds.toFixed(1)} s (${rate(done.messages)} messages/s).`);
    return 0;
  } finally {
    await close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error("search:reindex failed:", err);
    process.exit(1);
  },
);
