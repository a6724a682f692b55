import { describe, expect, it } from "vitest";
import { compareMessageIds } from "../../src/protocol/index.js";
import { parseStoredMessage } from "../../src/server/domain/messages.js";
import { Rooms } from "../../src/server/domain/rooms.js";
import { Redis7SearchIndex } from "../../src/server/domain/search/redis7.js";
import { MessageSearch } from "../../src/server/domain/search/search.js";
import { SearchSweep } from "../../src/server/domain/search/sweep.js";
import { Users } from "../../src/server/domain/users.js";
import type { Redis } from "../../src/server/redis/connection.js";
import { usePrivateRedis } from "../support/redis-server.js";

/** mulberry32: a failure replays. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Words that no stop word starts and no link's words start (links are https://example.com/zz…).
const VOCABULARY = ["alpha", "alpine", "beta", "bravo", "delta", "deltas", "gamma", "golf", "kilo", "lima", "mike", "oscar", "quebec", "romeo", "sierra", "tango"];
/** People who write: 1 the searcher, 2 the writer, 3-12 p3..p12 (3 and 4 are both an Anna). */
const AUTHORS = 12;
const tokens = (s: string) => s.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/**
 * The merge of many rooms against a brute-force scan of them: 30 rooms written as the store
 * script and seed servers write them (ids repeating across rooms, seed messages sharing a second),
 * indexed by the reindex command's code, searched by a member of 24 of them with every page size,
 * for words, prefixes, two words, phrases, has:link and from:, rare and common, and filters alone (so that pages end
 * early on the bounded work per query, and rooms run dry at different depths). Twelve people write;
 * `from:` names one of them or, by a display name's word, two. A quarter of the rooms have an index
 * from before the author postings (no sweep cursor, no `~from:` postings): from: filters their
 * candidates on the text while the others read the postings, in one merge.
 */
describe("search over many rooms agrees with a brute-force scan of them", () => {
  const db = usePrivateRedis();

  it("for random queries, every page size, page by page: newest first, nothing skipped or repeated", async () => {
    const redis = db.raw as unknown as Redis;
    const rand = random(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
    const rooms = Array.from({ length: 30 }, (_, i) => `m${i + 1}`);
    const member = rooms.slice(0, 24);
    await redis.hSet("user:1", { username: "searcher", password: "x" });
    await redis.hSet("user:2", { username: "writer", password: "x" });
    await redis.set("username:searcher", "user:1");
    await redis.set("username:writer", "user:2");
    for (let id = 3; id <= AUTHORS; id++) {
      await redis.hSet(`user:${id}`, { username: `p${id}`, password: "x" });
      await redis.set(`username:p${id}`, `user:${id}`);
    }
    // Two people whose display names hold "anna": from:anna is either.
    await redis.zAdd("displaynames:index", [{ score: 0, value: "anna müller:3" }, { score: 0, value: "anna smith:4" }]);
    await redis.set("total_users", String(AUTHORS));
    await redis.sAdd("user:1:rooms", member);
    await redis.sAdd("user:2:rooms", rooms);

    const start = 1_800_000_000_000_000;
    const stored: { roomId: string; value: string; score: number }[] = [];
    const used = new Set<string>();
    for (const roomId of rooms) {
      // Rooms of very different sizes and word mixes: some run dry early, some are all one word.
      const count = Math.floor(rand() * rand() * 180);
      const bias = pick(VOCABULARY);
      for (let i = 0; i < count; i++) {
        const length = 1 + Math.floor(rand() * 6);
        const words = Array.from({ length }, () => (rand() < 0.3 ? bias : pick(VOCABULARY)));
        if (rand() < 0.1) words.push(`https://example.com/zz${i}`);
        const text = words.join(rand() < 0.5 ? " " : ", ");
        const from = rand() < 0.3 ? 1 : rand() < 0.4 ? 2 : 1 + Math.floor(rand() * AUTHORS);
        if (rand() < 0.08) {
          // As a seed server writes it: no id, whole-second score (often shared with others).
          const seconds = Math.floor(start / 1e6) + Math.floor(rand() * 400);
          stored.push({ roomId, score: seconds, value: JSON.stringify({ from: String(from), date: seconds, message: text, roomId }) });
          continue;
        }
        // A small span of times: messages of different rooms often share their microsecond.
        let micros = start + Math.floor(rand() * 400) * 1_000_000 + (rand() < 0.5 ? 0 : Math.floor(rand() * 3));
        while (used.has(`${roomId}/${micros}`)) micros += 7; // ids are unique within a room
        used.add(`${roomId}/${micros}`);
        stored.push({ roomId, score: micros / 1e6, value: JSON.stringify({ id: String(micros), from, date: Math.floor(micros / 1e6), message: text, roomId }) });
      }
    }
    for (const entry of stored) await redis.zAdd(`room:${entry.roomId}`, { score: entry.score, value: entry.value });
    const index = new Redis7SearchIndex(redis, true);
    await new SearchSweep(redis, index, "test").reindexAll(() => {});
    // A quarter of the rooms as an index from before the author postings left them.
    for (const roomId of rooms.filter((_, i) => i % 4 === 0)) {
      await redis.del(`{room:${roomId}}:s:swept`);
      for (let id = 1; id <= AUTHORS; id++) await redis.del(`{room:${roomId}}:s:t:~from:${id}`);
    }
    const users = new Users(redis);
    const search = new MessageSearch(redis, index, new Rooms(redis, users), users);

    // What the searcher can find, as history gives it (ids of seed messages included).
    const history = stored
      .filter((e) => member.includes(e.roomId))
      .map((e) => ({ roomId: e.roomId, message: parseStoredMessage(e.value, e.score, e.roomId)! }));
    // Identical seed entries (same text, room and second) are one member of the sorted set.
    const unique = [...new Map(history.map((h) => [`${h.roomId}/${h.message.id}`, h])).values()];

    const queries: { q: string; match: (text: string, from: number) => boolean }[] = [];
    for (let n = 0; n < 18; n++) {
      const kind = n % 6;
      const a = pick(VOCABULARY), b = pick(VOCABULARY);
      const prefix = a.slice(0, 2 + Math.floor(rand() * (a.length - 2)));
      if (kind === 0) queries.push({ q: a, match: (t) => tokens(t).some((w) => w.startsWith(a)) });
      else if (kind === 1) queries.push({ q: prefix, match: (t) => tokens(t).some((w) => w.startsWith(prefix)) });
      else if (kind === 2) queries.push({ q: `${a} ${b}`, match: (t) => [a, b].every((p) => tokens(t).some((w) => w.startsWith(p))) });
      else if (kind === 3) queries.push({ q: `"${a} ${b}"`, match: (t) => tokens(t).some((w, i, all) => w === a && all[i + 1] === b) });
      else if (kind === 4) queries.push({ q: `${prefix} has:link`, match: (t) => /https:\/\//.test(t) && tokens(t.replace(/https:\/\/\S+/g, "")).some((w) => w.startsWith(prefix)) });
      else queries.push({ q: `${a} from:writer`, match: (t, from) => from === 2 && tokens(t).some((w) => w.startsWith(a)) });
    }
    // Filters only (no word): every message they allow, read from the rooms' histories.
    queries.push({ q: "from:writer", match: (_t, from) => from === 2 });
    queries.push({ q: "from:searcher", match: (_t, from) => from === 1 });
    for (const id of [5, 9, AUTHORS]) queries.push({ q: `from:p${id}`, match: (_t, from) => from === id });
    queries.push({ q: "from:anna", match: (_t, from) => from === 3 || from === 4 });
    const word = pick(VOCABULARY);
    queries.push({ q: `from:p7 ${word}`, match: (t, from) => from === 7 && tokens(t).some((w) => w.startsWith(word)) });
    queries.push({ q: `from:"anna" ${word}`, match: (t, from) => (from === 3 || from === 4) && tokens(t).some((w) => w.startsWith(word)) });
    queries.push({ q: "after:2000-01-01", match: () => true });
    for (const { q, match } of queries) {
      const expected = unique
        .filter((h) => match(h.message.message, Number(h.message.from)))
        .sort((x, y) => compareMessageIds(y.message.id, x.message.id) || (x.roomId < y.roomId ? 1 : x.roomId > y.roomId ? -1 : 0))
        .map((h) => `${h.message.id}/${h.roomId}`);
      for (const limit of [1, 4, 20, 50]) {
        const got: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; ; pages++) {
          expect(pages, `${q} limit ${limit}: too many pages`).toBeLessThan(2000);
          const outcome = await search.search(1, { q, limit, ...(cursor ? { cursor } : {}) });
          if (!outcome.ok) throw new Error(`${q}: ${outcome.error}`);
          expect(outcome.page.results.length).toBeLessThanOrEqual(limit);
          got.push(...outcome.page.results.map((r) => `${r.message.id}/${r.roomId}`));
          if (!outcome.page.next) break;
          cursor = outcome.page.next;
        }
        expect(got, `${q} limit ${limit}`).toEqual(expected);
      }
    }
  }, 240_000);
});
