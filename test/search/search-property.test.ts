import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage, SearchPage } from "../../src/protocol/index.js";
import { api, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { readAllAfter, signUp } from "../resilience/helpers.js";

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCABULARY = ["alpha", "Alpine", "beta", "bêta", "gamma", "delta", "deltas", "epsilon", "zeta", "Éta", "the", "of"];

/** The brute-force reading of a query, written without the server's code: fold, split, compare. */
const fold = (s: string) => s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
const tokens = (s: string) => fold(s).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
function bruteMatch(text: string, prefixes: string[], phrase: string[] | undefined): boolean {
  const t = tokens(text);
  if (!prefixes.every((p) => t.some((w) => w.startsWith(p)))) return false;
  if (phrase && !t.some((_, i) => phrase.every((p, k) => t[i + k] === p))) return false;
  return true;
}

describe("search agrees with a brute-force scan of the rooms", () => {
  const db = usePrivateRedis();
  let server: RunningChatServer;
  let ann: SignedIn, ben: SignedIn, cat: SignedIn;
  const rand = random(19);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;

  beforeAll(async () => {
    server = await startChatServer({ redisUrl: db.redis.url, searchSweepMs: 0 });
    [ann, ben, cat] = await signUp(server.url, "Ann", "Ben", "Cat");
  });
  afterAll(async () => server?.close());

  it("for random words, prefixes and phrases, over edits and deletions, page by page", async () => {
    const mine = await api(server.url, "/rooms", ann.cookie, { method: "POST", body: JSON.stringify({ name: "mine", members: [ben.user.id] }) });
    const theirs = await api(server.url, "/rooms", ben.cookie, { method: "POST", body: JSON.stringify({ name: "theirs", members: [cat.user.id] }) });
    const privateRoom = `${ann.user.id}:${cat.user.id}`;
    await api(server.url, "/room", ann.cookie, { method: "POST", body: JSON.stringify({ user1: ann.user.id, user2: cat.user.id }) });
    const annRooms = ["0", String(mine.body.id), privateRoom];
    const allRooms = [...annRooms, String(theirs.body.id)];
    const writers: Record<string, SignedIn> = { "0": ben, [String(mine.body.id)]: ben, [privateRoom]: cat, [String(theirs.body.id)]: cat };

    const sent: ChatMessage[] = [];
    for (let i = 0; i < 160; i++) {
      const roomId = pick(allRooms);
      const text = Array.from({ length: 2 + Math.floor(rand() * 5) }, () => pick(VOCABULARY)).join(rand() < 0.5 ? " " : ", ");
      const res = await api(server.url, `/room/${roomId}/messages`, writers[roomId]!.cookie, { method: "POST", body: JSON.stringify({ message: text }) });
      expect(res.status).toBe(201);
      sent.push(res.body as ChatMessage);
    }
    for (const message of sent.filter(() => rand() < 0.15)) {
      const who = writers[message.roomId]!;
      if (rand() < 0.5) {
        const text = Array.from({ length: 3 }, () => pick(VOCABULARY)).join(" ");
        expect((await api(server.url, `/room/${message.roomId}/messages/${message.id}`, who.cookie, { method: "PATCH", body: JSON.stringify({ message: text }) })).status).toBe(200);
      } else {
        expect((await api(server.url, `/room/${message.roomId}/messages/${message.id}`, who.cookie, { method: "DELETE" })).status).toBe(200);
      }
    }

    const history = (await Promise.all(annRooms.map((r) => readAllAfter(server.url, ann.cookie, r)))).flat();
    const searchable = VOCABULARY.map(fold).filter((w) => w !== "the" && w !== "of");
    for (let q = 0; q < 40; q++) {
      const words = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => {
        const w = pick(searchable);
        return rand() < 0.4 ? w.slice(0, 2 + Math.floor(rand() * (w.length - 2))) : w;
      });
      const phrase = rand() < 0.25 ? [pick(searchable), pick(searchable)] : undefined;
      const query = [...words, ...(phrase ? [`"${phrase.join(" ")}"`] : [])].join(" ");
      // Stop words are left out of a query that has other words (docs/api.md).
      const stop = (w: string) => ["be", "the", "of", "a", "an", "it", "no", "so", "we", "he", "me", "my", "at", "as", "by", "if", "in", "is", "on", "or", "to"].includes(w);
      const required = words.every(stop) && !phrase ? words : words.filter((w) => !stop(w));
      const expected = history
        .filter((m) => bruteMatch(m.message, required.map(fold), phrase))
        .map((m) => `${m.id}/${m.roomId}`)
        .sort((a, b) => (a < b ? 1 : -1));
      const got: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api(server.url, `/search?${new URLSearchParams({ q: query, limit: "7", ...(cursor ? { cursor } : {}) })}`, ann.cookie);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        const page = res.body as SearchPage;
        got.push(...page.results.map((r) => `${r.message.id}/${r.roomId}`));
        cursor = page.next;
      } while (cursor);
      expect(got, query).toEqual(expected);
    }
  }, 120_000);
});
