/**
 * Message search at scale: `--messages` stored messages (1,000,000 by default) of chat-like text
 * across `--search-rooms` rooms (500), written straight into Redis as the store script writes them,
 * then indexed by the reindex command's code (throughput), then searched by one person who is a
 * member of `--member-of` rooms (50): one-word, two-word, prefix and phrase queries, one at a
 * time, through the same MessageSearch the server runs (index scripts, merge, checks on the text).
 *
 * The text: words drawn from a Zipf distribution (s = 1.07, as word frequencies in English and
 * chat logs) over a 30,000-word vocabulary, common English function words included at their
 * usual share; 2-30 words a message; 4 % carry a link.
 */
import { loadavg } from "node:os";
import { createClient } from "redis";
import { Messages } from "../../src/server/domain/messages.js";
import { Rooms } from "../../src/server/domain/rooms.js";
import { Redis7SearchIndex } from "../../src/server/domain/search/redis7.js";
import { MessageSearch } from "../../src/server/domain/search/search.js";
import { SearchSweep } from "../../src/server/domain/search/sweep.js";
import { Users } from "../../src/server/domain/users.js";
import type { Redis } from "../../src/server/redis/connection.js";
import type { BenchContext } from "../context.js";

export interface SearchBenchResult {
  messages: number;
  rooms: number;
  memberOf: number;
  writeSeconds: number;
  reindex: { seconds: number; messagesPerSecond: number };
  memory: { historyBytesPerMessage: number; indexBytesPerMessage: number; indexKeys: number };
  queries: Record<"one-word" | "two-word" | "prefix" | "phrase" | "from" | "from-word", { count: number; p50Ms: number; p99Ms: number; maxMs: number; meanResults: number }>;
  /** Redis commands of one background sweep tick with nothing new to index (every room swept before). */
  idleSweepTick?: { commands: number; calls: Record<string, number> };
  /** The machine's 1-minute load average as the queries began and ended (it is shared: latency depends on it). */
  loadAverage?: { before: number; after: number };
}

/** People who wrote the messages (ids 1..AUTHORS, evenly). */
const AUTHORS = 200;
const FUNCTION_WORDS = "the to and a of i is it you that in for this on we be with have not are but can so just at do was my if will what me all they get no from up out about like there one now".split(" ");
const SYLLABLES = "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go ka ke ki ko la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zi zo ploy dep ment ing tion er est ly ck st tr".split(" ");

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Zipf sampler over ranks 0..n-1 (inverse CDF by binary search over the cumulative weights). */
function zipf(n: number, s: number, random: () => number) {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cumulative[k] = sum += 1 / Math.pow(k + 1, s);
  return () => {
    const x = random() * sum;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1]);
}

/** Calls per command so far (INFO commandstats). */
async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const line of (await redis.info("commandstats")).split(/\r?\n/)) {
    const stat = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (stat) calls[stat[1]!] = Number(stat[2]);
  }
  return calls;
}

export async function runSearch(ctx: BenchContext): Promise<SearchBenchResult> {
  const { options } = ctx;
  if (!ctx.redisUrl) throw new Error("search: needs the Redis (started, or --redis-url)");
  const redis = createClient({ url: ctx.redisUrl }) as unknown as Redis;
  await redis.connect();
  try {
    const random = rng(19);
    const vocabulary: string[] = [...FUNCTION_WORDS];
    const known = new Set(vocabulary);
    while (vocabulary.length < 30_000) {
      let word = "";
      const parts = 1 + Math.floor(random() * 3);
      for (let i = 0; i < parts; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
      if (!known.has(word)) known.add(word), vocabulary.push(word);
    }
    const rank = zipf(vocabulary.length, 1.07, random);
    const text = () => {
      const length = 2 + Math.floor(Math.pow(random(), 2) * 28);
      const words = Array.from({ length }, () => vocabulary[rank()]!);
      if (random() < 0.04) words.push(`https://example.com/${vocabulary[rank()]}`);
      return words.join(" ");
    };

    const roomIds = Array.from({ length: options.searchRooms }, (_, i) => `s${i + 1}`);
    await redis.flushAll();
    const beforeHistory = await usedMemory(redis);
    const writeStarted = performance.now();
    const start = Date.UTC(2026, 0, 1) * 1000;
    const perRoom = Math.ceil(options.searchMessages / roomIds.length);
    let written = 0;
    for (const roomId of roomIds) {
      const entries: { score: number; value: string }[] = [];
      for (let i = 0; i < perRoom && written < options.searchMessages; i++, written++) {
        const micros = start + i * 60_000_000 + Math.floor(random() * 59_000_000);
        const id = String(micros);
        entries.push({ score: micros / 1e6, value: JSON.stringify({ id, from: 1 + Math.floor(random() * AUTHORS), date: Math.floor(micros / 1e6), message: text(), roomId }) });
      }
      for (let i = 0; i < entries.length; i += 1000) await redis.zAdd(`room:${roomId}`, entries.slice(i, i + 1000));
    }
    const writeSeconds = (performance.now() - writeStarted) / 1000;
    const afterHistory = await usedMemory(redis);
    console.log(`bench: search: ${written} messages in ${roomIds.length} rooms written in ${writeSeconds.toFixed(1)} s`);

    // The searcher: user 1, a member of the first `memberOf` rooms; rooms found by the sweep via user:{id}:rooms.
    await redis.hSet("user:1", { username: "searcher", password: "x" });
    await redis.set("username:searcher", "user:1");
    await redis.sAdd("user:1:rooms", roomIds.slice(0, options.searchMemberOf));
    // The authors (ids 2-200 wrote the messages with the searcher): `from:u17` is user 17.
    for (let id = 2; id <= AUTHORS; id++) {
      await redis.hSet(`user:${id}`, { username: `u${id}`, password: "x" });
      await redis.set(`username:u${id}`, `user:${id}`);
    }
    await redis.zAdd("usernames:index", [{ score: 0, value: "searcher:1" }, ...Array.from({ length: AUTHORS - 1 }, (_, i) => ({ score: 0, value: `u${i + 2}:${i + 2}` }))]);
    // The sweep enumerates rooms from the users' room sets: put every room in some user's set.
    await redis.sAdd("user:2:rooms", roomIds);
    await redis.set("total_users", String(AUTHORS));

    const index = new Redis7SearchIndex(redis, true);
    const sweep = new SearchSweep(redis, index, "bench");
    const reindexStarted = performance.now();
    let lastShown = 0;
    await sweep.reindexAll((p) => {
      if (performance.now() - lastShown > 5000) {
        lastShown = performance.now();
        console.log(`bench: search: reindex ${p.roomsDone}/${p.rooms} rooms, ${p.messages} messages`);
      }
    });
    const reindexSeconds = (performance.now() - reindexStarted) / 1000;
    const afterIndex = await usedMemory(redis);
    // Not index keys: the rooms, each author's user:{id} and username:{name}, user:1:rooms,
    // user:2:rooms, total_users, usernames:index, search:swept.
    const indexKeys = (await redis.dbSize()) - roomIds.length - 2 * AUTHORS - 5;
    console.log(`bench: search: reindexed in ${reindexSeconds.toFixed(1)} s; index ${((afterIndex - afterHistory) / written).toFixed(0)} B/message`);

    const users = new Users(redis);
    const search = new MessageSearch(redis, index, new Rooms(redis, users), users);
    // Queries use words as people would: sampled by frequency among words that are not function words.
    const contentWord = () => {
      for (;;) {
        const w = vocabulary[rank()]!;
        if (!FUNCTION_WORDS.includes(w) && w.length >= 4) return w;
      }
    };
    const messages = new Messages(redis);
    const phraseFrom = async () => {
      for (;;) {
        const roomId = roomIds[Math.floor(random() * options.searchMemberOf)]!;
        const [m] = await messages.page(roomId, Math.floor(random() * perRoom), 1);
        const words = m?.message.split(" ").filter((w) => !w.startsWith("http")) ?? [];
        const at = Math.floor(random() * (words.length - 1));
        // A phrase someone would quote: not two function words ("in a").
        if (words.length >= 3 && !(FUNCTION_WORDS.includes(words[at]!) && FUNCTION_WORDS.includes(words[at + 1]!))) {
          return `"${words[at]} ${words[at + 1]}"`;
        }
      }
    };
    const kinds = {
      "one-word": async () => contentWord(),
      "two-word": async () => `${contentWord()} ${contentWord()}`,
      prefix: async () => contentWord().slice(0, 3),
      phrase: phraseFrom,
      // One author among 200 (0.5 % of the messages), alone and with a word.
      from: async () => `from:u${2 + Math.floor(random() * (AUTHORS - 1))}`,
      "from-word": async () => `from:u${2 + Math.floor(random() * (AUTHORS - 1))} ${contentWord()}`,
    } as const;
    const queries = {} as SearchBenchResult["queries"];
    const loadBefore = loadavg()[0]!;
    for (const [kind, make] of Object.entries(kinds) as [keyof typeof kinds, () => Promise<string>][]) {
      const times: number[] = [];
      let results = 0;
      for (let i = 0; i < options.searchQueries; i++) {
        const q = await make();
        const started = performance.now();
        const outcome = await search.search(1, { q, limit: 20 });
        times.push(performance.now() - started);
        if (!outcome.ok) throw new Error(`search ${q}: ${outcome.error}`);
        results += outcome.page.results.length;
      }
      times.sort((a, b) => a - b);
      queries[kind] = {
        count: times.length,
        p50Ms: Number(percentile(times, 50).toFixed(1)),
        p99Ms: Number(percentile(times, 99).toFixed(1)),
        maxMs: Number(times[times.length - 1]!.toFixed(1)),
        meanResults: Number((results / times.length).toFixed(1)),
      };
      console.log(`bench: search: ${kind}: p50 ${queries[kind].p50Ms} ms, p99 ${queries[kind].p99Ms} ms, ${queries[kind].meanResults} results on average`);
    }
    // One sweep tick on an idle system: every room swept already, nothing new written since.
    await sweep.sweepOnce();
    const before = await commandCalls(redis);
    await sweep.sweepOnce();
    const after = await commandCalls(redis);
    const calls: Record<string, number> = {};
    let commands = 0;
    for (const [name, n] of Object.entries(after)) {
      const delta = n - (before[name] ?? 0) - (name === "info" ? 1 : 0);
      if (delta > 0) (calls[name] = delta), (commands += delta);
    }
    console.log(`bench: search: an idle sweep tick over ${roomIds.length} rooms: ${commands} Redis commands ${JSON.stringify(calls)}`);
    return {
      messages: written,
      rooms: roomIds.length,
      memberOf: options.searchMemberOf,
      writeSeconds: Number(writeSeconds.toFixed(1)),
      reindex: { seconds: Number(reindexSeconds.toFixed(1)), messagesPerSecond: Math.round(written / reindexSeconds) },
      memory: {
        historyBytesPerMessage: Math.round((afterHistory - beforeHistory) / written),
        indexBytesPerMessage: Math.round((afterIndex - afterHistory) / written),
        indexKeys,
      },
      queries,
      idleSweepTick: { commands, calls },
      loadAverage: { before: Number(loadBefore.toFixed(1)), after: Number(loadavg()[0]!.toFixed(1)) },
    };
  } finally {
    await redis.close();
  }
}
