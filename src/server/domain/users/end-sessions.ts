import { SessionUser } from "../../../protocol/index.js";
import { scanKeys, type Redis } from "../../redis/connection.js";

/**
 * Ends every login session of one user (a ban). A stop-gap until the per-user session index of
 * issue 8 lands (helper "auth"): without an index it scans `session:*` (SCAN, batches of 500) and
 * deletes the sessions that name the user, so its cost grows with the number of sessions, which
 * is acceptable for a rare administrator action and nowhere near a hot path. The user's open
 * sockets are disconnected on every instance by the `user.banned` room change (realtime/room-sync).
 * Returns how many sessions were ended.
 */
export async function endAllSessionsOf(redis: Redis, userId: number): Promise<number> {
  let ended = 0;
  for await (const batch of scanKeys(redis, "session:*")) {
    const values = await Promise.all(batch.map((key) => redis.get(key)));
    const mine = batch.filter((_, i) => {
      try {
        const parsed = SessionUser.safeParse(JSON.parse(values[i] ?? "null"));
        return parsed.success && parsed.data.id === userId;
      } catch {
        return false;
      }
    });
    if (mine.length > 0) ended += (await Promise.all(mine.map((key) => redis.del(key)))).reduce((a, b) => a + b, 0);
  }
  return ended;
}
