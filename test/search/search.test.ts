import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage, SearchPage } from "../../src/protocol/index.js";
import { api, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";
import { png, upload } from "../attachments/support.js";

/**
 * Message search against a real Redis: what is acknowledged is found at once, edits and deletions
 * change what is found, only rooms one is a member of at the time of the query are searched, and
 * the cursor pages newest first without skipping or repeating.
 */
describe("GET /search", () => {
  const db = usePrivateRedis();
  let server: RunningChatServer;
  let ann: SignedIn, ben: SignedIn, cat: SignedIn;

  beforeAll(async () => {
    server = await startChatServer({ redisUrl: db.redis.url, searchSweepMs: 0 });
    [ann, ben, cat] = await signUp(server.url, "Ann", "Ben", "Cat");
  });
  afterAll(async () => server?.close());

  const post = async (who: SignedIn, roomId: string, message: string): Promise<ChatMessage> => {
    const res = await api(server.url, `/room/${encodeURIComponent(roomId)}/messages`, who.cookie, { method: "POST", body: JSON.stringify({ message }) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as ChatMessage;
  };
  const search = async (who: SignedIn, params: Record<string, string>): Promise<SearchPage> => {
    const res = await api(server.url, `/search?${new URLSearchParams(params)}`, who.cookie);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as SearchPage;
  };
  const texts = (page: SearchPage) => page.results.map((r) => r.message.message);

  it("finds a message as soon as it is acknowledged, by any word, case and accents aside, with the words to highlight", async () => {
    const sent = await post(ann, "0", "Déjà vu: the Deploy of Friday failed");
    const page = await search(ben, { q: "deja DEPLOY" });
    expect(page.results).toHaveLength(1);
    expect(page.results[0]!.message.id).toBe(sent.id);
    expect(page.results[0]!.roomId).toBe("0");
    const ranges = page.results[0]!.ranges.map(([s, e]) => sent.message.slice(s, e));
    expect(ranges).toEqual(["Déjà", "Deploy"]);
  });

  it("matches the start of a word, and quoted phrases only in their order", async () => {
    await post(ann, "0", "rollback plan for the deployment window");
    await post(ann, "0", "window for the plan rollback");
    expect(texts(await search(ben, { q: "depl" }))).toEqual(["rollback plan for the deployment window", "Déjà vu: the Deploy of Friday failed"]);
    expect(texts(await search(ben, { q: '"rollback plan"' }))).toEqual(["rollback plan for the deployment window"]);
    expect(texts(await search(ben, { q: '"plan rollback"' }))).toEqual(["window for the plan rollback"]);
  });

  it("matches a phrase across case, punctuation, line breaks and quotes, but not across another word", async () => {
    await post(ann, "0", 'Kettle\n"SPOUT" is hot');
    await post(ann, "0", "kettle, spout");
    await post(ann, "0", "kettle big spout");
    expect(texts(await search(ben, { q: '"kettle spout"' }))).toEqual(["kettle, spout", 'Kettle\n"SPOUT" is hot']);
  });

  it("finds words of Japanese, Chinese and Cyrillic text", async () => {
    await post(ben, "0", "東京で会議があります");
    await post(ben, "0", "我们明天开会");
    await post(ben, "0", "Привет, команда!");
    expect(texts(await search(ann, { q: "東京" }))).toEqual(["東京で会議があります"]);
    expect(texts(await search(ann, { q: "会議" }))).toEqual(["東京で会議があります"]);
    expect(texts(await search(ann, { q: "明天" }))).toEqual(["我们明天开会"]);
    expect(texts(await search(ann, { q: "команда" }))).toEqual(["Привет, команда!"]);
  });

  it("replaces an edited message's words and forgets a deleted message", async () => {
    const sent = await post(ann, "0", "the quarterly report is late");
    expect(texts(await search(ben, { q: "quarterly" }))).toHaveLength(1);
    const edited = await api(server.url, `/room/0/messages/${sent.id}`, ann.cookie, { method: "PATCH", body: JSON.stringify({ message: "the annual summary is late" }) });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(texts(await search(ben, { q: "quarterly" }))).toEqual([]);
    expect(texts(await search(ben, { q: "annual" }))).toEqual(["the annual summary is late"]);
    const deleted = await api(server.url, `/room/0/messages/${sent.id}`, ann.cookie, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(texts(await search(ben, { q: "annual" }))).toEqual([]);
    expect(await db.raw.exists(`{room:0}:s:t:annual`)).toBe(0);
  });

  it("searches only rooms the person is a member of at the time of the query", async () => {
    const created = await api(server.url, "/rooms", ann.cookie, { method: "POST", body: JSON.stringify({ name: "ops", members: [ben.user.id] }) });
    expect(created.status).toBe(201);
    const ops = String(created.body.id);
    await post(ann, ops, "pager rotation starts monday");
    const privateRoom = `${ann.user.id}:${cat.user.id}`;
    await api(server.url, "/room", ann.cookie, { method: "POST", body: JSON.stringify({ user1: ann.user.id, user2: cat.user.id }) });
    await post(ann, privateRoom, "pager secrets for cat");

    expect(texts(await search(ben, { q: "pager" }))).toEqual(["pager rotation starts monday"]);
    expect(texts(await search(cat, { q: "pager" }))).toEqual(["pager secrets for cat"]);
    expect(texts(await search(ann, { q: "pager" }))).toEqual(["pager secrets for cat", "pager rotation starts monday"]);
    expect(texts(await search(ann, { q: "pager in:#ops" }))).toEqual(["pager rotation starts monday"]);
    expect((await api(server.url, `/search?q=pager&room=${ops}`, cat.cookie)).status).toBe(403);

    expect((await api(server.url, `/room/${ops}/leave`, ben.cookie, { method: "POST" })).status).toBe(200);
    expect(texts(await search(ben, { q: "pager" }))).toEqual([]);

    expect((await api(server.url, `/room/${ops}`, ann.cookie, { method: "DELETE" })).status).toBe(200);
    expect(texts(await search(ann, { q: "pager" }))).toEqual(["pager secrets for cat"]);
    expect(await db.raw.keys(`{room:${ops}}:s:*`)).toEqual([]);
  });

  it("filters by author, links and dates, from operators or parameters", async () => {
    await post(ben, "0", "status page https://status.example.com is green");
    await post(cat, "0", "status meeting moved");
    expect(texts(await search(ann, { q: "status has:link" }))).toEqual(["status page https://status.example.com is green"]);
    expect(texts(await search(ann, { q: "status", has: "link" }))).toEqual(["status page https://status.example.com is green"]);
    expect(texts(await search(ann, { q: "status from:cat" }))).toEqual(["status meeting moved"]);
    expect(texts(await search(ann, { q: "status", from: "Ben" }))).toEqual(["status page https://status.example.com is green"]);
    expect(texts(await search(ann, { q: "status before:2001-01-01" }))).toEqual([]);
    expect(texts(await search(ann, { q: "status after:2001-01-01" }))).toHaveLength(2);
    expect((await api(server.url, "/search?q=status%20before:yesterday", ann.cookie)).status).toBe(400);
    expect((await api(server.url, "/search?q=", ann.cookie)).status).toBe(400);
  });

  it("has:file finds messages sent with an uploaded file (with a caption or none), has:link those with a link, each only those", async () => {
    const file = async (name: string) => {
      const res = await upload(server.url, ann.cookie, "0", name, "columns,rows\n1,2\n", "text/plain");
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const send = async (message: string, attachments: string[] = []) => {
      const res = await api(server.url, "/room/0/messages", ann.cookie, { method: "POST", body: JSON.stringify({ message, ...(attachments.length ? { attachments } : {}) }) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as ChatMessage;
    };
    const captioned = await send("forecast sheet attached", [await file("numbers-q3.csv")]);
    const bare = await send("", [await file("walrus.csv")]);
    await send("forecast without any file");
    const linked = await send("forecast at https://sheets.example.com/q3");
    expect(captioned.attachments).toHaveLength(1);

    const ids = (page: SearchPage) => page.results.map((r) => r.message.id);
    expect(ids(await search(ben, { q: "forecast has:file" }))).toEqual([captioned.id]);
    expect(ids(await search(ben, { q: "forecast", has: "file" }))).toEqual([captioned.id]);
    expect(ids(await search(ben, { q: "has:file" }))).toEqual([bare.id, captioned.id]);
    expect(ids(await search(ben, { q: "forecast has:link" }))).toEqual([linked.id]);
    expect(ids(await search(ben, { q: "forecast", has: "link" }))).toEqual([linked.id]);
    // A file is found by the words of its name; the link to the file the server writes into the
    // text for older clients is not words of the message (nor a link: has:link leaves it out).
    expect(ids(await search(ben, { q: "walrus" }))).toEqual([bare.id]);
    expect(ids(await search(ben, { q: "has:link" }))).not.toContain(bare.id);
    expect(ids(await search(ben, { q: "attachments" }))).toEqual([]);
    const [hit] = (await search(ben, { q: "sheet has:file" })).results;
    expect(hit!.ranges.map(([s, e]) => captioned.message.slice(s, e))).toEqual(["sheet"]);
    // An edit replaces the caption's words; the file and its name stay found, the path still is not words.
    const edited = await api(server.url, `/room/0/messages/${captioned.id}`, ann.cookie, { method: "PATCH", body: JSON.stringify({ message: "projection sheet attached" }) });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(ids(await search(ben, { q: "forecast has:file" }))).toEqual([]);
    expect(ids(await search(ben, { q: "projection has:file" }))).toEqual([captioned.id]);
    expect(ids(await search(ben, { q: "numbers" }))).toEqual([captioned.id]);
    expect(ids(await search(ben, { q: "attachments" }))).toEqual([]);
    expect(await db.raw.exists("{room:0}:s:t:attachments")).toBe(0);
  });

  it("has:image finds messages with an image among their files (has:images too), not those with other files only", async () => {
    const send = async (message: string, files: { name: string; bytes: Buffer | string; type: string }[]) => {
      const attachments: string[] = [];
      for (const f of files) {
        const res = await upload(server.url, ann.cookie, "0", f.name, f.bytes, f.type);
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        attachments.push(res.body.id as string);
      }
      const res = await api(server.url, "/room/0/messages", ann.cookie, { method: "POST", body: JSON.stringify({ message, attachments }) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as ChatMessage;
    };
    const photo = await send("gecko photo", [{ name: "gecko.png", bytes: await png(8, 6), type: "image/png" }]);
    const mixed = await send("gecko notes and sketch", [
      { name: "notes.txt", bytes: "scales\n", type: "text/plain" },
      { name: "sketch.png", bytes: await png(4, 4), type: "image/png" },
    ]);
    // Named like an image, but its bytes are text: the type is sniffed, and it is not an image.
    await send("gecko fake", [{ name: "fake.png", bytes: "not a picture", type: "image/png" }]);
    await send("gecko without a file", []);
    expect(photo.attachments![0]!.type).toBe("image/png");

    const ids = (page: SearchPage) => page.results.map((r) => r.message.id);
    expect(ids(await search(ben, { q: "gecko has:image" }))).toEqual([mixed.id, photo.id]);
    expect(ids(await search(ben, { q: "gecko has:images" }))).toEqual([mixed.id, photo.id]);
    expect(ids(await search(ben, { q: "gecko", has: "image" }))).toEqual([mixed.id, photo.id]);
    expect(ids(await search(ben, { q: "gecko has:files" }))).toHaveLength(3);
    expect(ids(await search(ben, { q: "has:image" })).slice(0, 2)).toEqual([mixed.id, photo.id]);
    const all = await search(ben, { q: "has:image" });
    expect(all.results.every((r) => r.message.attachments?.some((a) => a.type.startsWith("image/")))).toBe(true);

    const refused = await api(server.url, `/search?${new URLSearchParams({ q: "gecko has:pictures" })}`, ben.cookie);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('has: takes link, file or image, not "pictures"');
  });

  it("in: naming an open room one is not in says to join it; any other room one is not in is answered as no room at all", async () => {
    const make = async (name: string, visibility: "open" | "closed") => {
      const res = await api(server.url, "/rooms", ann.cookie, { method: "POST", body: JSON.stringify({ name, visibility, members: [] }) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const room = String(res.body.id);
      await post(ann, room, `heron sighting in ${name}`);
      return room;
    };
    await make("Lagoon", "open");
    await make("Hideout", "closed");
    const refusal = async (q: string) => {
      const res = await api(server.url, `/search?${new URLSearchParams({ q })}`, cat.cookie);
      return { status: res.status, message: res.body.message as string };
    };
    expect(await refusal("heron in:#lagoon")).toEqual({ status: 403, message: "You are not a member of “Lagoon”: join it from Browse rooms to search it" });
    expect(await refusal("in:#LAGOON")).toEqual({ status: 403, message: "You are not a member of “Lagoon”: join it from Browse rooms to search it" });
    // A closed room Cat is not in reads exactly as a name no room has.
    expect(await refusal("heron in:#hideout")).toEqual({ status: 400, message: "None of your rooms is named “hideout”" });
    expect(await refusal("heron in:#nowhere")).toEqual({ status: 400, message: "None of your rooms is named “nowhere”" });
    // Its members search it as before.
    expect(texts(await search(ann, { q: "heron in:#hideout" }))).toEqual(["heron sighting in Hideout"]);
  });

  it("pages newest first with a cursor that neither skips nor repeats, across rooms whose messages share a time", async () => {
    // Messages in three rooms at the very same microseconds (ids repeat across rooms).
    const rooms = ["0", `${ann.user.id}:${ben.user.id}`, `${ben.user.id}:${cat.user.id}`];
    await api(server.url, "/room", ann.cookie, { method: "POST", body: JSON.stringify({ user1: ann.user.id, user2: ben.user.id }) });
    await api(server.url, "/room", ben.cookie, { method: "POST", body: JSON.stringify({ user1: ben.user.id, user2: cat.user.id }) });
    const expected: string[] = [];
    for (let i = 0; i < 7; i++) {
      const micros = 1_900_000_000_000_000 + i * 1000;
      for (const roomId of rooms) {
        const id = String(micros);
        const json = JSON.stringify({ id, from: ben.user.id, date: Math.floor(micros / 1e6), message: `zebra crossing ${i} in ${roomId}`, roomId });
        await db.raw.zAdd(`room:${roomId}`, { score: micros / 1e6, value: json });
        expected.push(`${id}/${roomId}`);
      }
    }
    // Written as our servers write (with their ids) but not through the store script: indexed as
    // history from before search is, by the reindex (a sweep pass indexes only other servers' writes).
    await server.instance.ctx.searchSweep.reindexAll(() => {});
    expected.sort((a, b) => (a < b ? 1 : -1));
    for (const limit of [1, 2, 4, 50]) {
      const seen: string[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await search(ben, { q: "zebra", limit: String(limit), ...(cursor ? { cursor } : {}) });
        expect(page.results.length).toBeLessThanOrEqual(limit);
        seen.push(...page.results.map((r) => `${r.message.id}/${r.roomId}`));
        cursor = page.next;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(expected);
    }
  });

  it("finds messages a seed server wrote, once the sweep has run", async () => {
    // As the seed writes them: no id, whole-second score, from as a string.
    const seconds = Math.floor(Date.now() / 1000);
    await db.raw.zAdd("room:0", [
      { score: seconds, value: JSON.stringify({ from: String(cat.user.id), date: seconds, message: "written by the flask seed", roomId: 0 }) },
      { score: seconds, value: JSON.stringify({ from: String(ben.user.id), date: seconds, message: "also flask, same second", roomId: 0 }) },
    ]);
    expect(texts(await search(ann, { q: "flask" }))).toEqual([]);
    await server.instance.ctx.searchSweep.sweepOnce();
    const page = await search(ann, { q: "flask" });
    expect(texts(page).sort()).toEqual(["also flask, same second", "written by the flask seed"]);
    expect(page.results.every((r) => /^\d+-[0-9a-f]{12}$/.test(r.message.id))).toBe(true);
    // The two share their second's postings: deleting one leaves the other found.
    const seed = page.results.find((r) => r.message.message === "written by the flask seed")!;
    expect((await api(server.url, `/room/0/messages/${seed.message.id}`, cat.cookie, { method: "DELETE" })).status).toBe(200);
    expect(texts(await search(ann, { q: "flask" }))).toEqual(["also flask, same second"]);
  });
  it("a query of filters only lists every message they allow, newest first, paged by the cursor without skips or repeats", async () => {
    const created = await api(server.url, "/rooms", ann.cookie, { method: "POST", body: JSON.stringify({ name: "filters", members: [ben.user.id, cat.user.id] }) });
    expect(created.status).toBe(201);
    const room = String(created.body.id);
    const sent: ChatMessage[] = [];
    for (let i = 0; i < 9; i++) sent.push(await post(i % 3 === 0 ? cat : ben, room, `line ${i}`));
    const catIds = sent.filter((m) => m.from === cat.user.id).map((m) => m.id).reverse();

    // from: alone, over every room (General holds Cat's older messages too): Cat's, newest first.
    const fromCat = await search(ann, { q: "from:cat" });
    expect(fromCat.results.every((r) => r.message.from === cat.user.id)).toBe(true);
    expect(fromCat.results.slice(0, 3).map((r) => r.message.id)).toEqual(catIds);
    expect(fromCat.results.every((r) => r.ranges.length === 0)).toBe(true);

    // in: alone, paged two at a time: the room's nine messages, each once, newest first.
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await search(ann, { q: "in:#filters", limit: "2", ...(cursor ? { cursor } : {}) });
      seen.push(...page.results.map((r) => r.message.id));
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen).toEqual(sent.map((m) => m.id).reverse());

    expect((await search(ann, { q: `in:#filters from:cat` })).results.map((r) => r.message.id)).toEqual(catIds);
    expect((await search(ann, { q: "", room, from: "ben" })).results).toHaveLength(6);
    expect((await search(ann, { q: "in:#filters before:2001-01-01" })).results).toEqual([]);
    expect((await search(ann, { q: "from:nobody-here" })).results).toEqual([]);
    const [dee] = await signUp(server.url, "Dee");
    expect((await api(server.url, "/search?q=in:%23filters", dee.cookie)).status).toBe(403);
  });
});

describe("npm run search:reindex", () => {
  const db = usePrivateRedis();

  it("indexes history written before search existed (SEARCH=off), reporting its progress", async () => {
    const off = await startChatServer({ redisUrl: db.redis.url, search: false, searchSweepMs: 0 });
    const [ann] = await signUp(off.url, "Ann");
    for (const message of ["old pelican news", "older pelican gossip"]) {
      expect((await api(off.url, "/room/0/messages", ann.cookie, { method: "POST", body: JSON.stringify({ message }) })).status).toBe(201);
    }
    expect((await api(off.url, "/search?q=pelican", ann.cookie)).status).toBe(503);
    await off.close();

    const { execFile } = await import("node:child_process");
    const output = await new Promise<string>((resolve, reject) =>
      execFile("npx", ["tsx", "src/server/search-reindex.ts"], { env: { ...process.env, REDIS_URL: db.redis.url }, timeout: 60_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    expect(output).toMatch(/2 messages in 1 rooms indexed/);
    const on = await startChatServer({ redisUrl: db.redis.url, searchSweepMs: 0 });
    const res = await api(on.url, "/search?q=pelican", ann.cookie);
    expect(res.body.results.map((r: { message: ChatMessage }) => r.message.message)).toEqual(["older pelican gossip", "old pelican news"]);
    await on.close();
  });

});
