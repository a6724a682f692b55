import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/protocol/index.js";
import { api, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/** `GET /room/:id/messages?around=MID`: the history a permalink opens, centred on its message. */
describe("history around a message", () => {
  const db = usePrivateRedis();
  let server: RunningChatServer;
  let ann: SignedIn, ben: SignedIn, cat: SignedIn;
  const sent: ChatMessage[] = [];

  beforeAll(async () => {
    server = await startChatServer({ redisUrl: db.redis.url, searchSweepMs: 0 });
    [ann, ben, cat] = await signUp(server.url, "Ann", "Ben", "Cat");
    await api(server.url, "/room", ann.cookie, { method: "POST", body: JSON.stringify({ user1: ann.user.id, user2: ben.user.id }) });
    for (let i = 0; i < 30; i++) {
      const res = await api(server.url, `/room/${ann.user.id}:${ben.user.id}/messages`, ann.cookie, { method: "POST", body: JSON.stringify({ message: `m${i}` }) });
      sent.push(res.body as ChatMessage);
    }
  });
  afterAll(async () => server?.close());

  const around = (who: SignedIn, id: string, size = 9) => api(server.url, `/room/${ann.user.id}:${ben.user.id}/messages?around=${id}&size=${size}`, who.cookie);

  it("answers the page centred on the message, newest first, as offset pages are", async () => {
    const res = await around(ben, sent[10]!.id);
    expect(res.status).toBe(200);
    expect(res.body.map((m: ChatMessage) => m.message)).toEqual(["m14", "m13", "m12", "m11", "m10", "m9", "m8", "m7", "m6"]);
  });

  it("fills the page from the other side at either end of history", async () => {
    expect((await around(ben, sent[29]!.id, 5)).body.map((m: ChatMessage) => m.message)).toEqual(["m29", "m28", "m27", "m26", "m25"]);
    expect((await around(ben, sent[0]!.id, 5)).body.map((m: ChatMessage) => m.message)).toEqual(["m4", "m3", "m2", "m1", "m0"]);
  });

  it("answers 404 for a message not in the room and 403 to someone not in it", async () => {
    expect((await around(ben, "1000000000000000")).status).toBe(404);
    expect((await around(cat, sent[3]!.id)).status).toBe(403);
  });
});
