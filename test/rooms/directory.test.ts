import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DirectoryRoom } from "../../src/protocol/index.js";
import { api, eventually, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/**
 * The directory cannot be buried (issue 14): paged with a cursor, newest activity first, searchable
 * by name, on two instances of one Redis.
 */
describe("the room directory", () => {
  const db = usePrivateRedis();
  let a: RunningChatServer;
  let b: RunningChatServer;
  let owner: SignedIn, reader: SignedIn;
  const made: string[] = [];

  beforeAll(async () => {
    a = await startChatServer({ redisUrl: db.redis.url });
    b = await startChatServer({ redisUrl: db.redis.url });
    [owner, reader] = await signUp(a.url, "owner", "reader");
    for (let i = 0; i < 120; i++) {
      const res = await api(a.url, "/rooms", owner.cookie, { method: "POST", body: JSON.stringify({ name: `room-${String(i).padStart(3, "0")}` }) });
      expect(res.status).toBe(201);
      made.push(res.body.id as string);
    }
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  /** Every page of `GET /rooms` with this query, following X-Next-Cursor. */
  async function allPages(url: string, query: string): Promise<{ pages: DirectoryRoom[][] }> {
    const pages: DirectoryRoom[][] = [];
    let cursor: string | null = null;
    do {
      const res = await api(url, `/rooms?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, reader.cookie);
      expect(res.status).toBe(200);
      pages.push(res.body as DirectoryRoom[]);
      cursor = res.headers.get("x-next-cursor");
      if (pages.length > 20) throw new Error("the cursor does not end");
    } while (cursor);
    return { pages };
  }

  it("pages through every open room once, newest first, with a cursor", async () => {
    const { pages } = await allPages(b.url, "limit=50");
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    const ids = pages.flat().map((r) => r.id);
    expect(ids).toEqual([...made].reverse());
    expect(pages[0]![0]).toEqual({ id: made.at(-1), name: "room-119", topic: "", visibility: "open", memberCount: 1, joined: false });
  });

  it("searches names (any case) across pages", async () => {
    const { pages } = await allPages(a.url, "q=ROOM-05&limit=4");
    expect(pages.flat().map((r) => r.name)).toEqual(["room-059", "room-058", "room-057", "room-056", "room-055", "room-054", "room-053", "room-052", "room-051", "room-050"]);
  });

  it("searches topics too, as the web client filters what it has: a word of a room's topic finds it", async () => {
    const res = await api(a.url, "/rooms", owner.cookie, { method: "POST", body: JSON.stringify({ name: "open-topic", topic: "Everyone Welcome here" }) });
    expect(res.status).toBe(201);
    const { pages } = await allPages(b.url, "q=welcome&limit=4");
    expect(pages.flat().map((r) => r.name)).toEqual(["open-topic"]);
  });

  it("a message in an old room brings it to the top of the directory on every instance", async () => {
    const oldest = made[0]!;
    expect((await api(b.url, `/room/${oldest}/join`, reader.cookie, { method: "POST" })).status).toBe(200);
    expect((await api(b.url, `/room/${oldest}/messages`, reader.cookie, { method: "POST", body: JSON.stringify({ message: "anyone here?" }) })).status).toBe(201);
    // (The member count comes from each instance's member cache, told of the join by the bus.)
    const top = await eventually(async () => {
      const first = ((await api(a.url, "/rooms?limit=1", reader.cookie)).body as DirectoryRoom[])[0];
      return first?.id === oldest && first.joined ? first : undefined;
    }, 5000, "the room moves up, with its new member");
    expect(top).toMatchObject({ id: oldest, memberCount: 2, joined: true });
  });

  it("refuses a malformed cursor", async () => {
    expect((await api(a.url, "/rooms?cursor=nonsense", reader.cookie)).status).toBe(400);
  });
});
