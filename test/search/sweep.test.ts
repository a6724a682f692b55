import { beforeEach, describe, expect, it } from "vitest";
import { Rooms } from "../../src/server/domain/rooms.js";
import { Redis7SearchIndex } from "../../src/server/domain/search/redis7.js";
import { MessageSearch } from "../../src/server/domain/search/search.js";
import { OVERLAP_SECONDS, SearchSweep } from "../../src/server/domain/search/sweep.js";
import { Users } from "../../src/server/domain/users.js";
import type { Redis } from "../../src/server/redis/connection.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { commandsOf } from "./support.js";

/**
 * The background sweep indexes what seed servers write (no id, a whole-second score of the seed's
 * own clock, `from` as a string): it keeps a cursor per room and reads only what came after it
 * (a minute before its last read, for clocks behind ours), a bounded number of rooms and messages
 * a tick.
 */
describe("the background search sweep", () => {
  const db = usePrivateRedis();
  let redis: Redis;
  let index: Redis7SearchIndex;
  let search: MessageSearch;

  beforeEach(async () => {
    redis = db.raw as unknown as Redis;
    await redis.flushAll();
    await redis.hSet("user:1", { username: "searcher", password: "x" });
    await redis.set("username:searcher", "user:1");
    await redis.set("total_users", "1");
    index = new Redis7SearchIndex(redis, true);
    const users = new Users(redis);
    search = new MessageSearch(redis, index, new Rooms(redis, users), users);
  });

  /** A message as a seed server stores it, stamped `seconds` by its clock. */
  const seedWrite = (roomId: string, seconds: number, message: string, from = 1) =>
    redis.zAdd(`room:${roomId}`, { score: seconds, value: JSON.stringify({ from: String(from), date: seconds, message, roomId }) });
  const found = async (q: string) => {
    const outcome = await search.search(1, { q, limit: 50 });
    if (!outcome.ok) throw new Error(outcome.error);
    return outcome.page.results.map((r) => r.message.message);
  };

  it("indexes a seed message stamped behind our clock, written after the sweep had read past its time", async () => {
    await redis.sAdd("user:1:rooms", "r1");
    const sweep = new SearchSweep(redis, index, "test");
    const now = Math.floor(Date.now() / 1000);
    await seedWrite("r1", now - 3600, "old history kiwi");
    await seedWrite("r1", now, "kiwi at the seed's now");
    await sweep.sweepOnce();
    expect((await found("kiwi")).sort()).toEqual(["kiwi at the seed's now", "old history kiwi"]);

    // Another seed server, its clock half a minute behind, writes after that pass: its message is
    // older than the newest one the sweep has read.
    await seedWrite("r1", now - 30, "late kiwi from a slow clock");
    expect(await found("late")).toEqual([]);
    await sweep.sweepOnce();
    expect(await found("late")).toEqual(["late kiwi from a slow clock"]);
    expect(OVERLAP_SECONDS).toBeGreaterThan(30);
  });

  it("costs a dozen round trips a tick over 500 idle rooms, one range read per room inside them, and writes nothing", async () => {
    const rooms = Array.from({ length: 500 }, (_, i) => `idle${i}`);
    for (let u = 0; u < 50; u++) await redis.sAdd(`user:${u + 1}:rooms`, rooms.slice(u * 10, u * 10 + 10));
    await redis.set("total_users", "50");
    const hourAgo = Math.floor(Date.now() / 1000) - 3600;
    for (const roomId of rooms) await seedWrite(roomId, hourAgo, `quiet ${roomId}`);
    const sweep = new SearchSweep(redis, index, "test");
    expect(await sweep.sweepOnce()).toBe(500);
    expect(await redis.exists(rooms.map((r) => `{room:${r}}:s:swept`))).toBe(500);

    // Sent: the lock (SET NX, DEL), total_users, one script for the users' room sets, one per 64
    // rooms. Run inside the scripts (INFO commandstats counts them too): each user's SMEMBERS and
    // each room's range from its cursor, empty (General too, whose cursor, it having no history,
    // is a GET: the one other read).
    const idle = await commandsOf(redis, () => sweep.sweepOnce());
    const scripts = 1 + Math.ceil(501 / 64);
    expect(idle).toEqual({ set: 1, del: 1, get: 2, evalsha: scripts, smembers: 50, zrange: 501 });
  });

  it("catches up with a busy system over several ticks, each reading at most 5000 messages, 500 a room", async () => {
    const rooms = Array.from({ length: 12 }, (_, i) => `busy${i}`);
    await redis.sAdd("user:1:rooms", rooms);
    const start = Math.floor(Date.now() / 1000) - 86_400;
    for (const roomId of rooms) {
      const entries = Array.from({ length: 900 }, (_, i) => ({ score: start + i, value: JSON.stringify({ from: "1", date: start + i, message: `busy line ${i}`, roomId }) }));
      await redis.zAdd(`room:${roomId}`, entries);
    }
    const sweep = new SearchSweep(redis, index, "test");
    const ticks: number[] = [];
    for (let read = -1; read !== 0; ) {
      read = await sweep.sweepOnce();
      ticks.push(read);
      expect(ticks.length, `ticks ${ticks}`).toBeLessThan(10);
    }
    expect(Math.max(...ticks)).toBeLessThanOrEqual(5000);
    expect(ticks.length).toBeGreaterThan(2);
    // Every message indexed: each room's posting of "busy" holds its 900 seconds, 8 bytes each.
    for (const roomId of rooms) expect(await redis.strLen(`{room:${roomId}}:s:t:busy`)).toBe(900 * 8);
  });
});
