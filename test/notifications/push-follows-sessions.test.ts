import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateRoomId } from "../../src/protocol/index.js";
import { api, connect, login, send, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startPushService, type FakeDevice, type FakePushService } from "../support/push-service.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/** The session id inside a signed `sid` cookie (`sid=<id>.<signature>`). */
const sessionIdOf = (cookie: string) => {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
  return value.slice(0, value.lastIndexOf("."));
};

/**
 * Push notifications follow sessions, bans, edits and deletions (issue 14), two instances on one
 * Redis and a stand-in push service. A subscription belongs to the session that registered it;
 * a push that waited in the queue is checked again just before it is sent.
 */
describe("push notifications follow sessions, bans, edits and deletions", () => {
  const db = usePrivateRedis();
  let push: FakePushService;
  let a: RunningChatServer;
  let b: RunningChatServer;
  let admin: SignedIn, alice: SignedIn;
  let aliceSocket: ClientSocket;

  beforeAll(async () => {
    push = await startPushService();
    // One message's pushes at a time: a slow push service keeps the rest queued.
    a = await startChatServer({ redisUrl: db.redis.url, pushAllowLocalEndpoints: true, pushConcurrency: 1 });
    b = await startChatServer({ redisUrl: db.redis.url, pushAllowLocalEndpoints: true, pushConcurrency: 1 });
    [admin, alice] = await signUp(a.url, "boss", "alice");
    await db.raw.hSet(`user:${admin.user.id}`, "role", "admin");
    aliceSocket = await connect(a.url, alice.cookie);
  });
  afterAll(async () => {
    aliceSocket?.disconnect();
    await a?.close();
    await b?.close();
    await push?.close();
  });

  const subscribe = async (cookie: string, device: FakeDevice, url = b.url) =>
    api(url, "/push/subscriptions", cookie, { method: "POST", body: JSON.stringify(device.subscription) });
  const subscribed = async (userId: number) => Object.keys(await db.raw.hGetAll(`{user:${userId}}:push:subscriptions`));
  const say = async (roomId: string, message: string) => {
    const ack = await send(aliceSocket, { roomId, message });
    if (!ack.ok) throw new Error(ack.error);
    return ack.message;
  };
  const settled = async () => {
    for (let i = 0; i < 2; i++) await Promise.all([a, b].map((s) => s.instance.ctx.notifications.idle()));
  };

  it("ending a session any way (sign-out, DELETE /sessions/:handle, sign out everywhere, a ban) removes the subscriptions it registered at once, and nothing more is pushed there", async () => {
    const [bob] = await signUp(b.url, "bob");
    const phone = await login(a.url, "bob");
    const tablet = await login(b.url, "bob");
    const devices = { laptop: push.device("bob-laptop"), phone: push.device("bob-phone"), tablet: push.device("bob-tablet") };
    expect((await subscribe(bob.cookie, devices.laptop)).status).toBe(201);
    expect((await subscribe(phone.cookie, devices.phone, a.url)).status).toBe(201);
    expect((await subscribe(tablet.cookie, devices.tablet)).status).toBe(201);
    expect(await subscribed(bob.user.id)).toHaveLength(3);

    // Sign-out of the laptop: only its subscription goes.
    expect((await api(a.url, "/logout", bob.cookie, { method: "POST" })).status).toBe(200);
    expect((await subscribed(bob.user.id)).sort()).toEqual([devices.phone.subscription.endpoint, devices.tablet.subscription.endpoint].sort());

    // The phone is ended from the tablet (a lost phone).
    const sessions = (await api(b.url, "/sessions", tablet.cookie)).body as { handle: string; current: boolean }[];
    const phoneHandle = sessions.find((s) => !s.current)!.handle;
    expect((await api(b.url, `/sessions/${phoneHandle}`, tablet.cookie, { method: "DELETE" })).status).toBe(200);
    expect(await subscribed(bob.user.id)).toEqual([devices.tablet.subscription.endpoint]);

    // Sign out everywhere ends the tablet too.
    expect((await api(a.url, "/logout/everywhere", tablet.cookie, { method: "POST" })).status).toBe(200);
    expect(await subscribed(bob.user.id)).toEqual([]);

    // A ban ends the sessions of a person who subscribed again, and their subscriptions with them.
    const again = await login(a.url, "bob");
    expect((await subscribe(again.cookie, devices.laptop)).status).toBe(201);
    expect((await api(b.url, `/users/${bob.user.id}/ban`, admin.cookie, { method: "POST", body: JSON.stringify({ reason: "test" }) })).status).toBe(200);
    expect(await subscribed(bob.user.id)).toEqual([]);

    await say(privateRoomId(alice.user.id, bob.user.id), "are you there?");
    await settled();
    for (const device of Object.values(devices)) expect(device.received(), "pushes after the sessions ended").toHaveLength(0);
  });

  it("registering an endpoint another person holds through a live session is refused (409), not taken over; once their session ends it is free", async () => {
    const [carl, dana] = await signUp(a.url, "carl", "dana");
    const shared = push.device("shared-browser");
    expect((await subscribe(carl.cookie, shared)).status).toBe(201);
    const refused = await subscribe(dana.cookie, shared, a.url);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/another account/);
    expect(await subscribed(carl.user.id)).toEqual([shared.subscription.endpoint]);
    expect(await subscribed(dana.user.id)).toEqual([]);

    expect((await api(b.url, "/logout", carl.cookie, { method: "POST" })).status).toBe(200);
    expect((await subscribe(dana.cookie, shared, a.url)).status).toBe(201);
    expect(await subscribed(dana.user.id)).toEqual([shared.subscription.endpoint]);
  });

  it("a push that waited in the queue is checked again before it is sent: nothing for a deleted message, a mention edited out, a recipient banned, removed from the room or whose session expired", async () => {
    const [zed, dora, carol, dave, erin, frank, gina] = await signUp(b.url, "zed", "dora", "carol", "dave", "erin", "frank", "gina");
    const devices = new Map<string, FakeDevice>();
    for (const [name, who] of Object.entries({ zed, dora, carol, dave, erin, frank, gina })) {
      const device = push.device(name, { slow: name === "zed" });
      devices.set(name, device);
      expect((await subscribe(who.cookie, device)).status, name).toBe(201);
    }
    const room = await api(a.url, "/rooms", alice.cookie, { method: "POST", body: JSON.stringify({ name: "planning", members: [carol.user.id, erin.user.id] }) });
    expect(room.status).toBe(201);
    const roomId = room.body.id as string;

    // Two pushes to zed's slow push service hold the queue of instance A for about 3 s.
    await say(privateRoomId(alice.user.id, zed.user.id), "slow one");
    await say(privateRoomId(alice.user.id, zed.user.id), "slow two");
    const deleted = await say(privateRoomId(alice.user.id, dora.user.id), "sent by mistake");
    const mention = await say(roomId, "@carol look at this");
    await say(privateRoomId(alice.user.id, dave.user.id), "hello dave");
    await say(roomId, "@erin and you");
    await say(privateRoomId(alice.user.id, frank.user.id), "hello frank");
    await say(privateRoomId(alice.user.id, gina.user.id), "hello gina");

    // While they wait: the message is deleted, the mention edited out, dave banned, erin removed,
    // frank's session expires.
    expect((await api(b.url, `/room/${deleted.roomId}/messages/${deleted.id}`, alice.cookie, { method: "DELETE" })).status).toBe(200);
    expect((await api(b.url, `/room/${roomId}/messages/${mention.id}`, alice.cookie, { method: "PATCH", body: JSON.stringify({ message: "look at this" }) })).status).toBe(200);
    expect((await api(b.url, `/users/${dave.user.id}/ban`, admin.cookie, { method: "POST" })).status).toBe(200);
    expect((await api(b.url, `/room/${roomId}/members/${erin.user.id}`, alice.cookie, { method: "DELETE" })).status).toBe(200);
    await db.raw.del(`session:${sessionIdOf(frank.cookie)}`);
    expect(devices.get("gina")!.received(), "still queued behind the slow pushes").toHaveLength(0);

    await settled();
    expect(devices.get("zed")!.received()).toHaveLength(2);
    expect(devices.get("gina")!.received()).toHaveLength(1);
    for (const name of ["dora", "carol", "dave", "erin", "frank"]) expect(devices.get(name)!.received(), name).toHaveLength(0);
  });
});
