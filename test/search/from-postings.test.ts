import { describe, expect, it } from "vitest";
import { Rooms } from "../../src/server/domain/rooms.js";
import { Redis7SearchIndex } from "../../src/server/domain/search/redis7.js";
import { MessageSearch } from "../../src/server/domain/search/search.js";
import { SearchSweep } from "../../src/server/domain/search/sweep.js";
import { Users } from "../../src/server/domain/users.js";
import type { Redis } from "../../src/server/redis/connection.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { commandsOf } from "./support.js";

/**
 * `from:` reads the author's postings (`~from:{id}`, one per room and author): what a page costs
 * follows the page's matches, not the history of the people around them.
 */
describe("from: by the authors' postings", () => {
  const db = usePrivateRedis();

  it("finds a rare author's five messages under 3000 of others in one index call per query, one read of their second each", async () => {
    const redis = db.raw as unknown as Redis;
    await redis.hSet("user:1", { username: "searcher", password: "x" });
    await redis.set("username:searcher", "user:1");
    await redis.hSet("user:2", { username: "rare", password: "x" });
    await redis.set("username:rare", "user:2");
    await redis.set("total_users", "2");
    await redis.sAdd("user:1:rooms", "busy");
    const start = 1_800_000_000_000_000;
    const entries = Array.from({ length: 3005 }, (_, i) => {
      const micros = start + i * 1_000_000;
      // The rare author's messages are the oldest: a read of the history would go through all the rest first.
      const from = i < 5 ? 2 : 1;
      return { score: micros / 1e6, value: JSON.stringify({ id: String(micros), from, date: Math.floor(micros / 1e6), message: `line ${i} by ${from}`, roomId: "busy" }) };
    });
    await redis.zAdd("room:busy", entries);
    const index = new Redis7SearchIndex(redis, true);
    await new SearchSweep(redis, index, "test").reindexAll(() => {});
    const users = new Users(redis);
    const search = new MessageSearch(redis, index, new Rooms(redis, users), users);
    await search.search(1, { q: "from:rare", limit: 20 }); // rooms' author postings known from here on

    let page: Awaited<ReturnType<MessageSearch["search"]>> | undefined;
    const sent = await commandsOf(redis, async () => (page = await search.search(1, { q: "from:rare", limit: 20 })));
    if (!page?.ok) throw new Error("search failed");
    expect(page.page.results.map((r) => r.message.message)).toEqual([4, 3, 2, 1, 0].map((i) => `line ${i} by 2`));
    expect(page.page.next).toBeNull();
    // The name (GET username:rare), the searcher's rooms (SMEMBERS user:1:rooms, MGET of their
    // membership), then one script: the author's posting (MGET) and a range read at each match's time.
    expect(sent).toEqual({ get: 1, smembers: 1, mget: 2, evalsha: 1, zrange: 5 });
  });
});
