import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateRoomId, type PushPayload } from "../../src/protocol/index.js";
import { api, connect, eventually, send, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startPushService, type FakeDevice, type FakePushService } from "../support/push-service.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { rawRedis, signUp } from "../resilience/helpers.js";

/**
 * Web Push across two instances on one Redis, against a stand-in push service on 127.0.0.1:
 * alice sends from instance A; bob and dave have no open connection; carol is online on B.
 */
describe("Web Push from two instances", () => {
  let redis: RedisServerHandle;
  let push: FakePushService;
  let servers: RunningChatServer[] = [];
  let a: string;
  let b: string;
  let alice: SignedIn, bob: SignedIn, carol: SignedIn, dave: SignedIn;
  let aliceSocket: ClientSocket;
  let carolSocket: ClientSocket;

  beforeAll(async () => {
    redis = await startRedis();
    push = await startPushService();
    servers = await Promise.all([0, 1].map(() => startChatServer({ redisUrl: redis.url, pushAllowLocalEndpoints: true })));
    [a, b] = servers.map((s) => s.url) as [string, string];
    [alice, bob, carol, dave] = await signUp(a, "alice", "bob", "carol", "dave");
    aliceSocket = await connect(a, alice.cookie);
    carolSocket = await connect(b, carol.cookie);
  });

  afterAll(async () => {
    aliceSocket?.disconnect();
    carolSocket?.disconnect();
    await Promise.all(servers.map((s) => s.close()));
    await push?.close();
    await redis?.stop();
  });

  /** Both instances have sent (or decided not to send) everything queued so far. */
  const pushesSettled = async () => {
    await Promise.all(servers.map((s) => s.instance.ctx.notifications.idle()));
    await sleep(50);
    await Promise.all(servers.map((s) => s.instance.ctx.notifications.idle()));
  };

  const subscribe = async (who: SignedIn, device: FakeDevice, url = b) => {
    const res = await api(url, "/push/subscriptions", who.cookie, { method: "POST", body: JSON.stringify(device.subscription) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };

  const say = async (roomId: string, text: string) => {
    const ack = await send(aliceSocket, { roomId, message: text });
    if (!ack.ok) throw new Error(ack.error);
    return ack.message;
  };

  const setLevel = async (who: SignedIn, roomId: string, level: string) =>
    api(a, `/room/${roomId}/notifications`, who.cookie, { method: "PUT", body: JSON.stringify({ level }) });

  it("every instance serves the same VAPID public key, generated once and kept in Redis", async () => {
    const [ka, kb] = await Promise.all([api(a, "/push/key"), api(b, "/push/key")]);
    expect(ka.status).toBe(200);
    expect(ka.body.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(kb.body).toEqual(ka.body);
    const raw = await rawRedis(redis.url);
    try {
      expect(JSON.parse((await raw.get("push:vapid"))!).publicKey).toBe(ka.body.publicKey);
    } finally {
      await raw.quit();
    }
  });

  it("a private message to a person with no open connection is pushed once, encrypted for their device, carrying the room, the message and its permalink", async () => {
    const device = push.device("bob-laptop");
    await subscribe(bob, device);
    const roomId = privateRoomId(alice.user.id, bob.user.id);
    const long = `lunch? ${"x".repeat(300)}`;
    const message = await say(roomId, long);
    await eventually(() => device.received().length >= 1, 5000, "the push");
    await pushesSettled();
    expect(device.received()).toHaveLength(1);
    const [request] = device.received();
    expect(request!.headers["content-encoding"]).toBe("aes128gcm");
    expect(String(request!.headers.authorization)).toMatch(/^vapid t=.+, k=.+$/);
    expect(Number(request!.headers.ttl)).toBeGreaterThan(0);
    const payload = device.open(request!) as PushPayload;
    expect(payload).toEqual({
      title: "alice",
      body: expect.stringMatching(/^lunch\? x+…$/),
      roomId,
      messageId: message.id,
      reason: "conversation",
      url: `/#/room/${roomId}/message/${message.id}`,
    });
    expect(Array.from(payload.body)).toHaveLength(140);
  });

  it("a mention of a person with no open connection in General is pushed once, with the sender's name", async () => {
    const device = push.device("dave-phone");
    await subscribe(dave, device, a);
    const message = await say("0", "@dave can you look at the build?");
    expect((message as { mentions?: number[] }).mentions).toEqual([dave.user.id]);
    await eventually(() => device.received().length >= 1, 5000, "the push");
    await pushesSettled();
    expect(device.received()).toHaveLength(1);
    expect(device.open(device.received()[0]!)).toMatchObject({
      title: "General", body: "alice: @dave can you look at the build?", roomId: "0", reason: "mention",
    });
  });

  it("a person's own default of 'nothing' silences mentions in named rooms without a level of their own; back to the place's, they push again", async () => {
    const device = push.device("dave-desktop");
    await subscribe(dave, device, a);
    const put = (level: string | null) => api(b, "/notifications/default", dave.cookie, { method: "PUT", body: JSON.stringify({ level }) });
    expect((await put("none")).body).toEqual({ level: "none", chosen: true });
    await say("0", "@dave quiet please");
    await pushesSettled();
    expect(device.received()).toHaveLength(0);
    expect((await put(null)).body).toEqual({ level: "mentions", chosen: false });
    await say("0", "@dave loud again");
    await eventually(() => device.received().length === 1, 5000, "the push after the default went back");
    expect(device.open(device.received()[0]!)).toMatchObject({ body: "alice: @dave loud again" });
  });

  it("a General message that mentions no one pushes nothing", async () => {
    const before = push.requests.length;
    await say("0", "good morning everyone");
    await pushesSettled();
    expect(push.requests.length).toBe(before);
  });

  it("a person with an open connection gets no push (the page notifies them)", async () => {
    const device = push.device("carol-phone");
    await subscribe(carol, device);
    await say(privateRoomId(alice.user.id, carol.user.id), "carol, are you there?");
    await pushesSettled();
    expect(device.received()).toHaveLength(0);
  });

  it("a room set to 'nothing' pushes nothing, and 'mentions only' pushes only mentions", async () => {
    const device = push.device("bob-tablet");
    await subscribe(bob, device);
    const roomId = privateRoomId(alice.user.id, bob.user.id);
    expect((await setLevel(bob, roomId, "none")).body).toEqual({ roomId, level: "none", chosen: true });
    await say(roomId, "muted 1");
    await pushesSettled();
    expect(device.received()).toHaveLength(0);

    await setLevel(bob, roomId, "mentions");
    await say(roomId, "muted 2");
    await pushesSettled();
    expect(device.received()).toHaveLength(0);

    await setLevel(bob, roomId, "all");
    await say(roomId, "not muted");
    await eventually(() => device.received().length === 1, 5000, "the push after unmuting");
    expect(device.open(device.received()[0]!)).toMatchObject({ body: "not muted" });
  });

  it("a subscription the push service answers 410 Gone for is removed; the person's other devices still get the push", async () => {
    const gone = push.device("bob-old-phone", { gone: true });
    const live = push.device("bob-desktop");
    await subscribe(bob, gone);
    await subscribe(bob, live);
    await say(privateRoomId(alice.user.id, bob.user.id), "are you getting these?");
    await eventually(() => gone.received().length === 1 && live.received().length === 1, 5000, "both pushes");
    await pushesSettled();
    const raw = await rawRedis(redis.url);
    try {
      const endpoints = await raw.hKeys(`{user:${bob.user.id}}:push:subscriptions`);
      expect(endpoints).not.toContain(gone.subscription.endpoint);
      expect(endpoints).toContain(live.subscription.endpoint);
    } finally {
      await raw.quit();
    }
    await say(privateRoomId(alice.user.id, bob.user.id), "and this one?");
    await eventually(() => live.received().length === 2, 5000, "the next push");
    expect(gone.received()).toHaveLength(1);
  });

  it("a non-member never gets a push from a room, even when a message names them as mentioned", async () => {
    const device = push.device("dave-laptop");
    await subscribe(dave, device);
    const roomId = privateRoomId(alice.user.id, bob.user.id);
    await say(roomId, "@dave is not in this room");
    // A message that claims to mention dave (as a buggy or foreign writer might store it).
    servers[0]!.instance.ctx.notifications.messageStored({
      id: "1", from: alice.user.id, date: 1, message: "secret", roomId, mentions: [dave.user.id],
    } as never);
    await pushesSettled();
    expect(device.received()).toHaveLength(0);
    expect(push.requests.filter((r) => r.path.includes("dave-laptop"))).toHaveLength(0);
  });

  it("levels: defaults by room kind, chosen ones listed, members only, malformed refused", async () => {
    const roomId = privateRoomId(carol.user.id, dave.user.id);
    expect((await api(a, "/room/0/notifications", carol.cookie)).body).toEqual({ roomId: "0", level: "mentions", chosen: false });
    await api(a, "/room", carol.cookie, { method: "POST", body: JSON.stringify({ user1: carol.user.id, user2: dave.user.id }) });
    expect((await api(a, `/room/${roomId}/notifications`, carol.cookie)).body).toEqual({ roomId, level: "all", chosen: false });
    expect((await setLevel(carol, "0", "all")).status).toBe(200);
    expect((await api(b, "/notifications", carol.cookie)).body).toEqual({ levels: { "0": "all" }, namedDefault: { level: "mentions", chosen: false } });
    expect((await setLevel(alice, roomId, "none")).status).toBe(403);
    expect((await api(a, `/room/${roomId}/notifications`, alice.cookie)).status).toBe(403);
    expect((await setLevel(carol, roomId, "loud")).status).toBe(400);
    expect((await api(a, "/notifications")).status).toBe(401);
  });

  it("subscriptions: malformed keys refused; a device another person holds is refused (409), not taken over", async () => {
    const device = push.device("shared");
    const bad = { ...device.subscription, keys: { p256dh: "AAAA", auth: device.subscription.keys.auth } };
    expect((await api(a, "/push/subscriptions", carol.cookie, { method: "POST", body: JSON.stringify(bad) })).status).toBe(400);
    const noKeys = { endpoint: device.subscription.endpoint };
    expect((await api(a, "/push/subscriptions", carol.cookie, { method: "POST", body: JSON.stringify(noKeys) })).status).toBe(400);

    await subscribe(bob, device);
    const taken = await api(b, "/push/subscriptions", dave.cookie, { method: "POST", body: JSON.stringify(device.subscription) });
    expect(taken.status).toBe(409);
    const raw = await rawRedis(redis.url);
    try {
      expect(await raw.hKeys(`{user:${bob.user.id}}:push:subscriptions`)).toContain(device.subscription.endpoint);
      expect(await raw.hKeys(`{user:${dave.user.id}}:push:subscriptions`)).not.toContain(device.subscription.endpoint);
    } finally {
      await raw.quit();
    }
    const removed = await api(a, "/push/subscriptions", bob.cookie, { method: "DELETE", body: JSON.stringify({ endpoint: device.subscription.endpoint }) });
    expect(removed.body).toEqual({ removed: true });
  });
  it("a group conversation defaults to every message, a room people named to mentions only", async () => {
    const group = await api(a, "/rooms", alice.cookie, { method: "POST", body: JSON.stringify({ members: [bob.user.id, dave.user.id] }) });
    expect(group.status, JSON.stringify(group.body)).toBeLessThan(300);
    const groupId = String(group.body.id);
    expect((await api(b, `/room/${groupId}/notifications`, bob.cookie)).body).toEqual({ roomId: groupId, level: "all", chosen: false });
    const named = await api(a, "/rooms", alice.cookie, { method: "POST", body: JSON.stringify({ name: "Ops", members: [bob.user.id] }) });
    expect(named.status, JSON.stringify(named.body)).toBeLessThan(300);
    const namedId = String(named.body.id);
    expect((await api(b, `/room/${namedId}/notifications`, bob.cookie)).body).toEqual({ roomId: namedId, level: "mentions", chosen: false });
    expect((await api(b, `/room/${groupId}/notifications`, carol.cookie)).status).toBe(403);
  });
});
