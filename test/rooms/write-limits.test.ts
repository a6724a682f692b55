import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/**
 * Everything that writes has a limit (issue 14), counted in Redis so two instances share it:
 * room creation per user and per creator, and edits / deletions / reactions per user over REST.
 */
describe("write limits shared by every instance", () => {
  const db = usePrivateRedis();
  let a: RunningChatServer;
  let b: RunningChatServer;
  let alice: SignedIn, bob: SignedIn, carol: SignedIn;
  const limits = { roomCreateRateLimit: 3, roomCreateRateWindowMs: 60_000, maxRoomsPerCreator: 4, messageActionRateLimit: 10, messageActionRateWindowMs: 60_000 };

  beforeAll(async () => {
    a = await startChatServer({ redisUrl: db.redis.url, ...limits });
    b = await startChatServer({ redisUrl: db.redis.url, ...limits });
    [alice, bob, carol] = await signUp(a.url, "alice", "bob", "carol");
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const createRoom = (url: string, who: SignedIn, name: string) => api(url, "/rooms", who.cookie, { method: "POST", body: JSON.stringify({ name }) });

  it("room creation past ROOM_CREATE_RATE_LIMIT is refused with 429, Retry-After and retryAfter, counted across instances", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await createRoom(i % 2 ? b.url : a.url, alice, `alice-${i}`)).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const refused = await createRoom(b.url, alice, "one more");
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ message: expect.stringMatching(/^Too many rooms created; try again in \d+ seconds$/), retryAfter: expect.any(Number) });
    expect(Number(refused.headers.get("retry-after"))).toBe(refused.body.retryAfter);
    // Another person is not affected.
    expect((await createRoom(a.url, bob, "bob-1")).status).toBe(201);
  });

  it("a creator may have at most MAX_ROOMS_PER_CREATOR rooms; deleting one makes room for another", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      await db.raw.del("ratelimit:room-create:" + carol.user.id);
      const res = await createRoom(a.url, carol, `carol-${i}`);
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    await db.raw.del("ratelimit:room-create:" + carol.user.id);
    const capped = await createRoom(b.url, carol, "carol-5");
    expect(capped.status).toBe(403);
    expect(capped.body.message).toMatch(/as many as one person may/);
    expect((await api(b.url, `/room/${ids[0]}`, carol.cookie, { method: "DELETE" })).status).toBe(200);
    expect((await createRoom(a.url, carol, "carol-5")).status).toBe(201);
  });

  it("REST reactions and edits draw from one per-user budget (MESSAGE_ACTION_RATE_LIMIT) on every instance: past it, 429", async () => {
    const posted = await api(a.url, "/room/0/messages", bob.cookie, { method: "POST", body: JSON.stringify({ message: "react to me" }) });
    expect(posted.status).toBe(201);
    const id = posted.body.id as string;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const url = i % 2 ? b.url : a.url;
      const res = i % 3 === 2
        ? await api(url, `/room/0/messages/${id}`, bob.cookie, { method: "PATCH", body: JSON.stringify({ message: `edit ${i}` }) })
        : await api(url, `/room/0/messages/${id}/reactions/%F0%9F%91%8D`, bob.cookie, { method: i % 2 ? "DELETE" : "PUT" });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    const refused = await api(b.url, `/room/0/messages/${id}/reactions/%F0%9F%91%8D`, bob.cookie, { method: "PUT" });
    expect(refused.body).toEqual({ message: expect.stringMatching(/^Too many edits, deletions and reactions; try again in \d+ seconds$/), retryAfter: expect.any(Number) });
  });
});
