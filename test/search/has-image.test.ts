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
 * `has:image` has no postings of its own: it reads the files' (`~has:file`), and the index script
 * leaves out the messages whose stored file records hold no image, so a page costs one script
 * call however many other files were sent since.
 */
describe("has:image over the files' postings", () => {
  const db = usePrivateRedis();

  it("finds the two images under 1500 other files in one index call, the newest first, with no next page", async () => {
    const redis = db.raw as unknown as Redis;
    await redis.hSet("user:1", { username: "searcher", password: "x" });
    await redis.set("username:searcher", "user:1");
    await redis.set("total_users", "1");
    await redis.sAdd("user:1:rooms", "files");
    const start = 1_800_000_000_000_000;
    const record = (i: number, type: string, name: string) => ({ id: String(i).padStart(22, "a"), name, type, size: 10 });
    const entries = Array.from({ length: 1502 }, (_, i) => {
      const micros = start + i * 1_000_000;
      // The images are the oldest: the files' postings go through every other file first.
      const attachments = i === 0 ? [record(i, "image/png", "gecko.png")]
        : i === 1 ? [record(i, "application/pdf", "notes.pdf"), record(i + 10_000, "image/jpeg", "café.jpg")]
        : [record(i, i % 2 ? "application/pdf" : "application/octet-stream", `sheet-${i}.svg`)];
      const message = { id: String(micros), from: 1, date: Math.floor(micros / 1e6), message: i === 1 ? "Café ☕ photos" : "", roomId: "files", attachments };
      return { score: micros / 1e6, value: JSON.stringify(message) };
    });
    await redis.zAdd("room:files", entries);
    const index = new Redis7SearchIndex(redis, true);
    await new SearchSweep(redis, index, "test").reindexAll(() => {});
    const users = new Users(redis);
    const search = new MessageSearch(redis, index, new Rooms(redis, users), users);

    let page: Awaited<ReturnType<MessageSearch["search"]>> | undefined;
    const sent = await commandsOf(redis, async () => (page = await search.search(1, { q: "has:image", limit: 20 })));
    if (!page?.ok) throw new Error("search failed");
    expect(page.page.results.map((r) => r.message.id)).toEqual([String(start + 1_000_000), String(start)]);
    expect(page.page.next).toBeNull();
    expect(sent.evalsha).toBe(1);

    // has:file still finds every file, a page at a time.
    const files = await search.search(1, { q: "has:file", limit: 20 });
    if (!files.ok) throw new Error("search failed");
    expect(files.page.results).toHaveLength(20);
    expect(files.page.next).not.toBeNull();
  });
});
