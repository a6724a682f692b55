import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage, PinsUpdated } from "../../src/protocol/index.js";
import { api, connect, eventually, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/** Pinned messages (room managers, live on every instance) and saved messages (private, any device). */
describe("pins and saved messages", () => {
  const db = usePrivateRedis();
  let one: RunningChatServer, two: RunningChatServer;
  let ann: SignedIn, ben: SignedIn;
  let roomId: string;
  const sent: ChatMessage[] = [];

  beforeAll(async () => {
    one = await startChatServer({ redisUrl: db.redis.url, searchSweepMs: 0 });
    two = await startChatServer({ redisUrl: db.redis.url, searchSweepMs: 0 });
    [ann, ben] = await signUp(one.url, "Ann", "Ben");
    const created = await api(one.url, "/rooms", ann.cookie, { method: "POST", body: JSON.stringify({ name: "ops", members: [ben.user.id] }) });
    roomId = String(created.body.id);
    for (const message of ["first", "second", "third"]) {
      sent.push((await api(one.url, `/room/${roomId}/messages`, ben.cookie, { method: "POST", body: JSON.stringify({ message }) })).body);
    }
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  it("a manager pins and unpins; members on every instance hear it and read the pins; others may not", async () => {
    const socket = await connect(two.url, ben.cookie);
    const heard: PinsUpdated[] = [];
    socket.on("pins.updated", (change) => heard.push(change));
    const pinned = await api(one.url, `/room/${roomId}/pins/${sent[0]!.id}`, ann.cookie, { method: "PUT" });
    expect(pinned.status).toBe(200);
    expect(pinned.body).toEqual({ roomId, messageIds: [sent[0]!.id] });
    await eventually(() => heard.length === 1, 5000, "pins.updated on the other instance");
    await api(one.url, `/room/${roomId}/pins/${sent[1]!.id}`, ann.cookie, { method: "PUT" });
    const pins = await api(two.url, `/room/${roomId}/pins`, ben.cookie);
    expect(pins.body.map((p: { message: ChatMessage }) => p.message.message)).toEqual(["second", "first"]);
    expect(pins.body[0].pinnedBy).toBe(ann.user.id);

    expect((await api(two.url, `/room/${roomId}/pins/${sent[2]!.id}`, ben.cookie, { method: "PUT" })).status).toBe(403);
    expect((await api(one.url, `/room/${roomId}/pins/1000000000000000`, ann.cookie, { method: "PUT" })).status).toBe(404);
    const unpinned = await api(one.url, `/room/${roomId}/pins/${sent[1]!.id}`, ann.cookie, { method: "DELETE" });
    expect(unpinned.body.messageIds).toEqual([sent[0]!.id]);
    await eventually(() => heard.length === 3, 5000, "the second pin and the unpin heard");
    socket.disconnect();
  });

  it("a deleted message is unpinned with it", async () => {
    const doomed = (await api(one.url, `/room/${roomId}/messages`, ben.cookie, { method: "POST", body: JSON.stringify({ message: "doomed" }) })).body;
    await api(one.url, `/room/${roomId}/pins/${doomed.id}`, ann.cookie, { method: "PUT" });
    expect((await api(one.url, `/room/${roomId}/messages/${doomed.id}`, ben.cookie, { method: "DELETE" })).status).toBe(200);
    expect(await db.raw.hExists(`{room:${roomId}}:pins`, doomed.id)).toBe(0);
    expect((await api(one.url, `/room/${roomId}/pins`, ann.cookie)).body.map((p: { message: ChatMessage }) => p.message.id)).toEqual([sent[0]!.id]);
  });

  it("saved messages are one's own, the same on every device, and hidden once unreadable", async () => {
    expect((await api(one.url, `/me/saved/${roomId}/${sent[2]!.id}`, ben.cookie, { method: "PUT" })).body).toEqual({ saved: true });
    expect((await api(one.url, `/me/saved/0/1000000000000000`, ben.cookie, { method: "PUT" })).status).toBe(404);
    const general = (await api(one.url, "/room/0/messages", ann.cookie, { method: "POST", body: JSON.stringify({ message: "in general" }) })).body;
    await api(two.url, `/me/saved/0/${general.id}`, ben.cookie, { method: "PUT" });
    const list = await api(two.url, "/me/saved", ben.cookie);
    expect(list.body.map((s: { roomId: string; message: ChatMessage }) => `${s.roomId}/${s.message.message}`)).toEqual(["0/in general", `${roomId}/third`]);
    expect((await api(one.url, "/me/saved", ann.cookie)).body).toEqual([]);

    await api(one.url, `/room/${roomId}/leave`, ben.cookie, { method: "POST" });
    expect((await api(one.url, "/me/saved", ben.cookie)).body.map((s: { message: ChatMessage }) => s.message.message)).toEqual(["in general"]);
    expect((await api(one.url, `/me/saved/0/${general.id}`, ben.cookie, { method: "DELETE" })).body).toEqual({ saved: false });
    expect((await api(two.url, "/me/saved", ben.cookie)).body).toEqual([]);
  });
});
