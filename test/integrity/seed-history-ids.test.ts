import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareMessageIds, type ChatMessage } from "../../src/protocol/index.js";
import { api, collectMessages, connect, eventually, send, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";
import { messageIdForSeedMember } from "../../src/server/domain/message-ids.js";

/**
 * A seed server (the seed's Python server) stores `json.dumps(message)` with `ZADD room:{id}
 * {int(date)} ...`: whole-second scores, no id, `from` and `date` as strings, Python's separators.
 * Two in one second must get two ids, and `?after=` must not skip a sibling sharing the score.
 */
const pythonMember = (from: number, date: number, message: string, roomId: string) =>
  `{"from": "${from}", "date": "${date}", "message": "${message}", "roomId": "${roomId}"}`;

describe("history ids of seed-written messages", () => {
  const env = usePrivateRedis();
  let server: RunningChatServer;
  let ann: SignedIn;
  let socket: ClientSocket;
  const SECOND = 1615480369;

  const page = async (query: string): Promise<ChatMessage[]> => {
    const res = await api(server.url, `/room/0/messages?${query}`, ann.cookie);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as ChatMessage[];
  };
  /**
   * Every message, oldest first, by `?after=` pages of `size`, as the web client pages: one copy of
   * each id, on from the newest id after the cursor, done when fewer than `size` are after it.
   */
  const readAll = async (size: number): Promise<ChatMessage[]> => {
    const out = new Map<string, ChatMessage>();
    let after = "0";
    for (let guard = 0; guard < 200; guard++) {
      const got = await page(`after=${after}&size=${size}`);
      const fresh = got.filter((m) => compareMessageIds(m.id, after) > 0);
      for (const m of got) if (!out.has(m.id)) out.set(m.id, m);
      if (fresh.length < size) return [...out.values()];
      after = fresh[fresh.length - 1]!.id;
    }
    throw new Error("paging did not end");
  };

  beforeAll(async () => {
    server = await startChatServer({ redisUrl: env.redis.url });
    [ann] = await signUp(server.url, "ann");
    socket = await connect(server.url, ann.cookie, { batch: true });
  });
  afterAll(async () => {
    socket?.disconnect();
    await server?.close();
  });

  it("two messages a seed server wrote in the same second get two different ids", async () => {
    await env.raw.zAdd("room:0", [
      { score: SECOND, value: pythonMember(1, SECOND, "first of the second", "0") },
      { score: SECOND, value: pythonMember(1, SECOND, "second of the second", "0") },
    ]);
    const newestFirst = await page("offset=0&size=10");
    expect(newestFirst).toHaveLength(2);
    const ids = newestFirst.map((m) => m.id);
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id).toMatch(new RegExp(`^${SECOND}000000-[0-9a-f]{12}$`));
    // Stable: read again, same ids.
    expect((await page("offset=0&size=10")).map((m) => m.id)).toEqual(ids);
  });

  it("?after=<the first> returns the second sibling; after the last, the first again (it may have been stored after the last)", async () => {
    const [first, second] = (await page("offset=0&size=10")).map((m) => m.id).sort(compareMessageIds) as [string, string];
    expect((await page(`after=${first}&size=10`)).map((m) => m.id)).toEqual([second]);
    expect((await page(`after=${second}&size=10`)).map((m) => m.id)).toEqual([first]);
    // A cursor at the plain second (no disambiguator) sorts before both.
    expect((await page(`after=${SECOND}000000&size=10`)).map((m) => m.id)).toEqual([first, second]);
  });

  it("paging with ?after= through a same-second group larger than the page returns every message once, in id order", async () => {
    const later = SECOND + 1;
    await env.raw.zAdd(
      "room:0",
      ["m1", "m2", "m3", "m4", "m5", "m6", "m7"].map((text) => ({ score: later, value: pythonMember(1, later, text, "0") })),
    );
    // And messages of ours around them.
    expect((await send(socket, { roomId: "0", message: "ours, after" })).ok).toBe(true);
    const all = (await page("offset=0&size=100")).reverse();
    expect(all).toHaveLength(10);
    const expected = [...all].sort((a, b) => compareMessageIds(a.id, b.id)).map((m) => m.id);
    for (const size of [1, 2, 3, 4, 100]) {
      const read = await readAll(size);
      expect(read.map((m) => m.id), `page size ${size}`).toEqual(expected);
    }
  });

  it("a seed envelope arriving live carries the same id as the stored message, so the client keeps one copy", async () => {
    const got = collectMessages(socket);
    const date = SECOND + 100;
    const member = pythonMember(1, date, "live and stored", "0");
    // What the Python server does: ZADD the member, then PUBLISH the same dict inside the envelope.
    await env.raw.zAdd("room:0", { score: date, value: member });
    await env.raw.publish("MESSAGES", `{"serverId": 148226.37, "type": "message", "data": ${member}}`);
    await eventually(() => got.length === 1, 5000, "live seed message");
    const stored = (await page(`after=${date - 1}000000&size=10`)).find((m) => m.message === "live and stored");
    expect(stored).toBeDefined();
    expect(got[0]).toEqual(stored);
  });

  it("two seed envelopes of the same second arriving live get two ids", async () => {
    const got = collectMessages(socket);
    const date = SECOND + 200;
    for (const text of ["live one", "live two"]) {
      await env.raw.publish("MESSAGES", `{"serverId": 148226.37, "type": "message", "data": ${pythonMember(1, date, text, "0")}}`);
    }
    await eventually(() => got.length === 2, 5000, "two live seed messages");
    expect(got[0]!.id).not.toBe(got[1]!.id);
  });

  it("?after= a message never skips a seed message of its second stored after it, whether ours or a seed sibling came first", async () => {
    // Ours first: stored now, at a microsecond of this second; then a seed server's, scored at the whole second.
    const ours = await send(socket, { roomId: "0", message: "ours, then a seed one of the same second" });
    if (!ours.ok) throw new Error(ours.error);
    const second = Number(ours.message.id.slice(0, -6));
    await env.raw.zAdd("room:0", { score: second, value: pythonMember(1, second, "seed, stored after ours", "0") });
    expect((await page(`after=${ours.message.id}&size=10`)).map((m) => m.message)).toContain("seed, stored after ours");

    // Two seed siblings: the one stored later sorts first (its disambiguator is lower).
    const date = SECOND + 300;
    const members = ["late sibling a", "late sibling b", "late sibling c"].map((text) => pythonMember(1, date, text, "0"));
    const byId = members.map((member) => ({ member, id: messageIdForSeedMember(date, member) })).sort((a, b) => compareMessageIds(a.id, b.id));
    const [lower, higher] = [byId[0]!, byId[byId.length - 1]!];
    await env.raw.zAdd("room:0", { score: date, value: higher.member });
    expect((await page(`after=${date - 1}999999&size=10`))[0]!.id).toBe(higher.id);
    await env.raw.zAdd("room:0", { score: date, value: lower.member });
    expect((await page(`after=${higher.id}&size=10`)).map((m) => m.id)).toContain(lower.id);
  });

  it("a seed message dated an hour ahead, or absurdly (milliseconds), leaves our later ids and dates unique and truthful", async () => {
    const nowS = () => Date.now() / 1000;
    const ahead = Math.floor(nowS()) + 3600;
    await env.raw.zAdd("room:0", { score: ahead, value: pythonMember(1, ahead, "an hour ahead", "0") });
    const first = await send(socket, { roomId: "0", message: "ours after the hour-ahead one" });
    if (!first.ok) throw new Error(first.error);
    expect(Math.abs(first.message.date - nowS())).toBeLessThan(60);

    const millis = Date.now();
    await env.raw.zAdd("room:0", { score: millis, value: pythonMember(1, millis, "dated in milliseconds", "0") });
    const ours = [];
    for (const text of ["ours one", "ours two", "ours three"]) {
      const ack = await send(socket, { roomId: "0", message: text });
      if (!ack.ok) throw new Error(ack.error);
      ours.push(ack.message);
    }
    expect(new Set(ours.map((m) => m.id)).size).toBe(3);
    for (const m of ours) expect(Math.abs(m.date - nowS()), m.message).toBeLessThan(60);
    // Each is found by its id (edits and deletes address messages by id).
    const stored = await page("offset=0&size=20");
    for (const m of ours) expect(stored.filter((s) => s.id === m.id).map((s) => s.message)).toEqual([m.message]);
  });
});
