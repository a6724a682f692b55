import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomDetails } from "../../src/protocol/index.js";
import { api, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/** Issue 14: a deleted room answers 404 on every route, as `GET /room/:id` and join already did; a room one is not in, 403. */
describe("a deleted room is gone on every route", () => {
  const env = usePrivateRedis();
  let server: RunningChatServer;
  let owner: SignedIn, member: SignedIn, outsider: SignedIn;

  beforeAll(async () => {
    server = await startChatServer({ redisUrl: env.redis.url });
    [owner, member, outsider] = await signUp(server.url, "owner", "member", "outsider");
  });
  afterAll(async () => {
    await server?.close();
  });

  const call = (who: SignedIn, method: string, path: string, body?: unknown) =>
    api(server.url, path, who.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  /** Every route about a room's messages, read state and notifications, as one person. */
  const routes = (roomId: string, messageId: string): [string, string, unknown?][] => [
    ["POST", `/room/${roomId}/messages`, { message: "still there?" }],
    ["GET", `/room/${roomId}/messages?offset=0&size=10`],
    ["GET", `/room/${roomId}/messages?after=0&size=10`],
    ["GET", `/room/${roomId}/messages/${messageId}`],
    ["PATCH", `/room/${roomId}/messages/${messageId}`, { message: "edited" }],
    ["DELETE", `/room/${roomId}/messages/${messageId}`],
    ["PUT", `/room/${roomId}/messages/${messageId}/reactions/${encodeURIComponent("👍")}`],
    ["PUT", `/room/${roomId}/read`, { messageId }],
    ["GET", `/room/${roomId}/notifications`],
    ["PUT", `/room/${roomId}/notifications`, { level: "all" }],
    ["GET", `/room/${roomId}`],
  ];

  it("every route answers 404 for a deleted room, to its former members; a room one is not in stays 403", async () => {
    const created = await call(owner, "POST", "/rooms", { name: "Soon gone", visibility: "closed", members: [member.user.id] });
    expect(created.status).toBe(201);
    const room = created.body as RoomDetails;
    const posted = await call(member, "POST", `/room/${room.id}/messages`, { message: "hello" });
    expect(posted.status).toBe(201);
    const messageId = (posted.body as { id: string }).id;

    const outside: Record<string, number> = {};
    for (const [method, path, body] of routes(room.id, messageId)) outside[`${method} ${path}`] = (await call(outsider, method, path, body)).status;
    for (const [route, status] of Object.entries(outside)) expect(status, route).toBe(403);

    expect((await call(owner, "DELETE", `/room/${room.id}`)).status).toBe(200);
    for (const who of [owner, member, outsider]) {
      for (const [method, path, body] of routes(room.id, messageId)) {
        const res = await call(who, method, path, body);
        expect(res.status, `${who.user.username}: ${method} ${path}`).toBe(404);
      }
    }
  });
});
