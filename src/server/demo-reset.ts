import { loadConfig } from "./config.js";
import { createBlobStore } from "./domain/attachments/store/index.js";
import { writeDemoData } from "./domain/demo-data.js";
import { Rooms } from "./domain/rooms.js";
import { Users } from "./domain/users.js";
import { createLogger } from "./logger.js";
import { connectRedis, flushAll, scanKeys } from "./redis/connection.js";
import { keys } from "./redis/keys.js";

/**
 * `npm run demo:reset [-- --force]`: wipes the Redis at REDIS_URL and the files of its rooms and
 * people's pictures (the attachment store), and writes the demo data again. Refuses when that Redis holds keys that are
 * not redis-chat's, unless `--force` is given.
 */
// Every prefix of src/server/redis/keys.ts (the seed's and ours).
const OUR_KEYS =
  /^(total_users$|username:|usernames:|user:|room:|online_users$|session:|sessions:|ratelimit:|secrets:|push:|rooms:|admins:|audit:|invites$|invite:|users:|bots$|bots:|attachments:|search:|bot:|\{room:|\{user:|\{online_users\}|\{webhooks\}|place:|displaynames:|password-reset:)/;

async function main(): Promise<number> {
  const config = loadConfig();
  const force = process.argv.includes("--force");
  const log = createLogger("warn");
  const { data: redis, close } = await connectRedis(config.redisUrl, log, config.redisClusterNodes);
  try {
    const foreign: string[] = [];
    for await (const batch of scanKeys(redis, "*", 1000)) {
      for (const key of batch) if (!OUR_KEYS.test(key)) foreign.push(key);
      if (foreign.length >= 5) break;
    }
    if (foreign.length > 0 && !force) {
      console.error(
        `demo:reset: ${config.redisUrl} holds keys that are not redis-chat's (e.g. ${foreign.slice(0, 5).join(", ")}).\n` +
          "Refusing to wipe it. Point REDIS_URL at a dev Redis, or run `npm run demo:reset -- --force`.",
      );
      return 1;
    }
    await flushAll(redis);
    // The rooms' files and people's pictures went with their records: without them they would be kept forever.
    const store = await createBlobStore(config.attachments);
    for (const prefix of ["rooms/", "avatars/"]) {
      let batch: string[] = [];
      for await (const key of store.list(prefix)) {
        batch.push(key);
        if (batch.length === 500) await store.delete(batch.splice(0));
      }
      await store.delete(batch);
    }
    const users = new Users(redis);
    await redis.set(keys.totalUsers, "0");
    await writeDemoData(redis, users, new Rooms(redis, users));
    console.log(`demo:reset: ${config.redisUrl} now holds the demo data (Pablo, Joe, Mary, Alex; password123).`);
    return 0;
  } finally {
    await close();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(`demo:reset: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
