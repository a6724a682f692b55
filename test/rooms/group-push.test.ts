import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushPayload, RoomDetails } from "../../src/protocol/index.js";
import { api, connect, eventually, send, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startPushService, type FakePushService } from "../support/push-service.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/**
 * Web Push for rooms people make (issues 9 and notifications): a group conversation notifies its
 * offline members of every message, like a private room; a named room only of mentions.
 */
describe("pushes from rooms people make", () => {
  let redis: RedisServerHandle;
  let push: FakePushService;
  let server: RunningChatServer;
  let alice: SignedIn, bob: SignedIn, dave: SignedIn;
  let aliceSocket: ClientSocket;

  beforeAll(async () => {
    redis = await startRedis();
    push = await startPushService();
    server = await startChatServer({ redisUrl: redis.url, pushAllowLocalEndpoints: true });
    [alice, bob, dave] = await signUp(server.url, "alice", "bob", "dave");
    aliceSocket = await connect(server.url, alice.cookie);
  });
  afterAll(async () => {
    aliceSocket?.disconnect();
    await server?.close();
    await push?.close();
    await redis?.stop();
  });

  const settled = async () => {
    await server.instance.ctx.notifications.idle();
    await sleep(50);
    await server.instance.ctx.notifications.idle();
  };

  it("a group conversation's message is pushed to its offline members; a named room's only when it mentions them", async () => {
    const device = push.device("bob-phone");
    const subscribed = await api(server.url, "/push/subscriptions", bob.cookie, { method: "POST", body: JSON.stringify(device.subscription) });
    expect(subscribed.status).toBe(201);

    const group = (await api(server.url, "/rooms", alice.cookie, { method: "POST", body: JSON.stringify({ members: [bob.user.id, dave.user.id] }) })).body as RoomDetails;
    const ack = await send(aliceSocket, { roomId: group.id, message: "plans for friday" });
    if (!ack.ok) throw new Error(ack.error);
    await eventually(() => device.received().length >= 1, 5000, "the group's push");
    await settled();
    expect(device.received()).toHaveLength(1);
    expect(device.open(device.received()[0]!) as PushPayload).toMatchObject({
      title: "alice, bob, dave", body: "alice: plans for friday", roomId: group.id, reason: "conversation",
    });

    const named = (await api(server.url, "/rooms", alice.cookie, { method: "POST", body: JSON.stringify({ name: "Ops", members: [bob.user.id] }) })).body as RoomDetails;
    expect((await send(aliceSocket, { roomId: named.id, message: "deploy at noon" })).ok).toBe(true);
    await settled();
    expect(device.received()).toHaveLength(1);
    expect((await send(aliceSocket, { roomId: named.id, message: "@bob can you watch it?" })).ok).toBe(true);
    await eventually(() => device.received().length >= 2, 5000, "the mention's push");
    expect(device.open(device.received()[1]!) as PushPayload).toMatchObject({ title: "Ops", reason: "mention" });
  });
});
