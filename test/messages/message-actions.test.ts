import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  privateRoomId,
  type ChangesPage,
  type ChatMessage,
  type DeleteAck,
  type MessageAck,
  type ReactionAck,
  type RoomChange,
  type Typing,
} from "../../src/protocol/index.js";
import { api, connect, eventually, send, sleep, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";
import { messageIdForSeedMember } from "../../src/server/domain/message-ids.js";

/**
 * Mentions, replies, edits, deletions, reactions, typing and catch-up, on two instances sharing one
 * Redis:
 *
 *   instance A: alice (batching client), dave
 *   instance B: alice (second tab, seed mode), bob, carol
 *
 * Private room alice:bob; named room "team" (99) of alice and bob. Carol is in neither: she must
 * never hear of anything said, changed or typed there.
 */
const TEAM = "99";
const ctxt = usePrivateRedis();

type Heard = { event: string; payload: any };
type Tab = { socket: ClientSocket; heard: Heard[] };

describe("message actions across two instances", () => {
  let servers: RunningChatServer[] = [];
  let a: string;
  let b: string;
  const ids: Record<string, number> = {};
  const cookies: Record<string, string> = {};
  const tabs: Record<string, Tab> = {};
  let dm: string;

  const EVENTS = ["message", "message.batch", "message.updated", "message.deleted", "reaction.updated", "typing"] as const;

  beforeAll(async () => {
    servers = await Promise.all([0, 1].map(() => startChatServer({ redisUrl: ctxt.redis.url })));
    [a, b] = servers.map((s) => s.url) as [string, string];
    const users = await signUp(a, "alice", "bob", "carol", "dave");
    for (const u of users) {
      ids[u.user.username] = u.user.id;
      cookies[u.user.username] = u.cookie;
    }
    dm = privateRoomId(ids.alice!, ids.bob!);
    await ctxt.raw.set(`room:${TEAM}:name`, "team");
    await ctxt.raw.sAdd(`user:${ids.alice}:rooms`, TEAM);
    await ctxt.raw.sAdd(`user:${ids.bob}:rooms`, TEAM);
    await ctxt.raw.hSet(`user:${ids.dave}`, "role", "admin");
    const open = async (tab: string, name: string, url: string, batch = false) => {
      const socket = await connect(url, cookies[name]!, { batch });
      const heard: Heard[] = [];
      for (const event of EVENTS) (socket as any).on(event, (payload: unknown) => heard.push({ event, payload }));
      tabs[tab] = { socket, heard };
      for (const room of [TEAM]) await (socket as any).emitWithAck("room.join", room);
    };
    await open("alice@A", "alice", a, true);
    await open("dave@A", "dave", a);
    await open("alice@B", "alice", b);
    await open("bob@B", "bob", b);
    await open("carol@B", "carol", b);
  });

  afterAll(async () => {
    for (const t of Object.values(tabs)) t.socket.disconnect();
    await Promise.all(servers.map((s) => s.close()));
  });

  const emit = <T>(tab: string, event: string, payload: unknown) =>
    (tabs[tab]!.socket as any).timeout(5000).emitWithAck(event, payload) as Promise<T>;
  const say = async (tab: string, payload: Record<string, unknown>): Promise<ChatMessage> => {
    const ack = await send(tabs[tab]!.socket, payload);
    if (!ack.ok) throw new Error(ack.error);
    return ack.message;
  };
  const heardOf = (tab: string, event: string, match: (payload: any) => boolean = () => true) =>
    tabs[tab]!.heard.filter((h) => h.event === event && match(h.payload)).map((h) => h.payload);
  const waitHeard = (tab: string, event: string, match: (payload: any) => boolean) =>
    eventually(() => heardOf(tab, event, match).length > 0, 5000, `${tab} hears ${event}`);

  describe("mentions", () => {
    it("records the ids of mentioned members of General, matched case-insensitively, not unknown names nor code", async () => {
      const message = await say("alice@A", { roomId: "0", message: "@bob and @CAROL, see `@dave` (@nobody)" });
      expect(message.mentions).toEqual([ids.bob, ids.carol]);
    });

    it("records only members of a private room", async () => {
      const message = await say("alice@A", { roomId: dm, message: "@bob did @carol say so?" });
      expect(message.mentions).toEqual([ids.bob]);
    });

    it("records only members of a named room, and nothing for a text without mentions", async () => {
      const mentioned = await say("alice@A", { roomId: TEAM, message: "@carol @bob @alice" });
      expect(mentioned.mentions).toEqual([ids.bob, ids.alice]);
      const plain = await say("alice@A", { roomId: TEAM, message: "no one" });
      expect(plain).not.toHaveProperty("mentions");
    });

    it("keeps mentions in stored history and in what other instances deliver", async () => {
      const message = await say("alice@A", { roomId: dm, message: "ping @bob" });
      await waitHeard("bob@B", "message", (m) => m.id === message.id);
      expect(heardOf("bob@B", "message", (m) => m.id === message.id)[0].mentions).toEqual([ids.bob]);
      const history = await api(b, `/room/${dm}/messages?offset=0&size=1`, cookies.bob);
      expect(history.body[0]).toMatchObject({ id: message.id, mentions: [ids.bob] });
    });
  });

  describe("replies", () => {
    it("stores replyTo and a quote of the answered message, read back in history", async () => {
      const original = await say("bob@B", { roomId: dm, message: "what time is the meeting?" });
      const reply = await say("alice@A", { roomId: dm, message: "at ten", replyTo: original.id });
      expect(reply).toMatchObject({ replyTo: original.id, reply: { from: ids.bob, message: "what time is the meeting?" } });
      const history = await api(b, `/room/${dm}/messages?after=${original.id}&size=10`, cookies.bob);
      expect(history.body[0]).toMatchObject({ id: reply.id, replyTo: original.id });
    });

    it("quotes only the start of a long message", async () => {
      const original = await say("bob@B", { roomId: dm, message: "x".repeat(1000) });
      const reply = await say("alice@A", { roomId: dm, message: "ok", replyTo: original.id });
      expect(reply.reply!.message).toHaveLength(140);
    });

    it("a reply to a deleted message quotes it as deleted, none of its text, live and in every history read on every instance", async () => {
      const original = await say("bob@B", { roomId: dm, message: "the password is hunter2" });
      const reply = await say("alice@A", { roomId: dm, message: "you pasted a secret", replyTo: original.id });
      await emit<DeleteAck>("bob@B", "message.delete", { roomId: dm, id: original.id });
      // What every open client hears is the deletion of the original: it blanks loaded quotes itself.
      for (const tab of ["alice@A", "alice@B"]) await waitHeard(tab, "message.deleted", (c) => c.id === original.id);
      const deleted = { from: ids.bob, message: "", deleted: true };
      for (const url of [a, b]) {
        const reads = await Promise.all([
          api(url, `/room/${dm}/messages?offset=0&size=5`, cookies.alice),
          api(url, `/room/${dm}/messages?after=${original.id}&size=5`, cookies.alice),
          api(url, `/room/${dm}/messages?around=${reply.id}&size=5`, cookies.alice),
        ]);
        for (const read of reads) {
          expect((read.body as ChatMessage[]).find((m) => m.id === reply.id)).toMatchObject({ replyTo: original.id, reply: deleted });
          expect(JSON.stringify(read.body)).not.toContain("hunter2");
        }
        const one = await api(url, `/room/${dm}/messages/${reply.id}`, cookies.alice);
        expect(one.body).toMatchObject({ reply: deleted });
      }
    });

    it("a reply to a deleted message, pinned, saved or found by search, quotes it as deleted with none of its text", async () => {
      const original = await say("bob@B", { roomId: dm, message: "the wifi password is opensesame" });
      const reply = await say("alice@A", { roomId: dm, message: "noted quokkaword", replyTo: original.id });
      expect(await api(a, `/room/${dm}/pins/${reply.id}`, cookies.alice, { method: "PUT" })).toMatchObject({ status: 200 });
      expect(await api(a, `/me/saved/${dm}/${reply.id}`, cookies.alice, { method: "PUT" })).toMatchObject({ status: 200 });
      await emit<DeleteAck>("bob@B", "message.delete", { roomId: dm, id: original.id });
      const deleted = { from: ids.bob, message: "", deleted: true };
      const pins = await api(b, `/room/${dm}/pins`, cookies.alice);
      expect(pins.body.find((p: any) => p.message.id === reply.id)?.message.reply).toEqual(deleted);
      const saved = await api(b, `/me/saved`, cookies.alice);
      expect(saved.body.find((s: any) => s.message.id === reply.id)?.message.reply).toEqual(deleted);
      const found = await api(b, `/search?q=quokkaword`, cookies.alice);
      expect(found.body.results.find((r: any) => r.message.id === reply.id)?.message.reply).toEqual(deleted);
      expect(JSON.stringify([pins.body, saved.body, found.body])).not.toContain("opensesame");
    });

    it("a reply quotes its original as it is now: the edited text, not the text edited away", async () => {
      const original = await say("bob@B", { roomId: dm, message: "standup at 10" });
      const reply = await say("alice@A", { roomId: dm, message: "will be there", replyTo: original.id });
      await emit("bob@B", "message.edit", { roomId: dm, id: original.id, message: "standup at 9" });
      const history = await api(a, `/room/${dm}/messages?after=${original.id}&size=5`, cookies.alice);
      expect((history.body as ChatMessage[]).find((m) => m.id === reply.id)?.reply).toEqual({ from: ids.bob, message: "standup at 9" });
    });

    it("the quotes stored in replies follow their original: an edit rewrites them, a deletion leaves none of its text in Redis (what a seed server or a backup reads)", async () => {
      const original = await say("bob@B", { roomId: dm, message: "the token is tok-abc-123" });
      const replies = [
        await say("alice@A", { roomId: dm, message: "thanks", replyTo: original.id }),
        await say("bob@B", { roomId: dm, message: "also this", replyTo: original.id }),
      ];
      const stored = async () => (await ctxt.raw.zRange(`room:${dm}`, 0, -1)).map((m) => JSON.parse(m) as ChatMessage).filter((m) => replies.some((r) => r.id === m.id));
      await emit("bob@B", "message.edit", { roomId: dm, id: original.id, message: "the token is in the vault" });
      expect((await stored()).map((m) => m.reply)).toEqual([0, 1].map(() => ({ from: ids.bob, message: "the token is in the vault" })));
      await emit<DeleteAck>("bob@B", "message.delete", { roomId: dm, id: original.id });
      const after = await stored();
      expect(after.map((m) => m.reply)).toEqual([0, 1].map(() => ({ from: ids.bob, message: "", deleted: true })));
      expect(after.map((m) => m.id)).toEqual(replies.map((r) => r.id));
      expect((await ctxt.raw.zRange(`room:${dm}`, 0, -1)).join("\n")).not.toContain("tok-abc-123");
      expect(await ctxt.raw.hExists(`{room:${dm}}:replies`, original.id)).toBe(0);
    });

    it("a resend of a reply answers the first message with its original's quote as it is now", async () => {
      const original = await say("bob@B", { roomId: dm, message: "lunch at noon" });
      const reply = await say("alice@A", { roomId: dm, message: "count me in", replyTo: original.id, clientId: "resent-reply" });
      await emit("bob@B", "message.edit", { roomId: dm, id: original.id, message: "lunch at one" });
      const again = await say("alice@A", { roomId: dm, message: "count me in", replyTo: original.id, clientId: "resent-reply" });
      expect(again).toMatchObject({ id: reply.id, reply: { from: ids.bob, message: "lunch at one" } });
    });

    it("a resend of a reply whose original was deleted after it was stored answers the stored message, once; a new reply to it is refused", async () => {
      const original = await say("bob@B", { roomId: dm, message: "gone soon" });
      const reply = await say("alice@A", { roomId: dm, message: "noted", replyTo: original.id, clientId: "reply-then-delete" });
      await emit<DeleteAck>("bob@B", "message.delete", { roomId: dm, id: original.id });
      // The first ack was lost: the client sends again, as it must.
      const again = await say("alice@A", { roomId: dm, message: "noted", replyTo: original.id, clientId: "reply-then-delete" });
      expect(again).toMatchObject({ id: reply.id, reply: { from: ids.bob, message: "", deleted: true } });
      const stored = (await ctxt.raw.zRange(`room:${dm}`, 0, -1)).filter((m) => m.includes('"noted"'));
      expect(stored).toHaveLength(1);
      const fresh = await send(tabs["alice@A"]!.socket, { roomId: dm, message: "noted too", replyTo: original.id, clientId: "new-reply" });
      expect(fresh).toMatchObject({ ok: false });
    });

    it("editing a reply to a deleted message stores and publishes its quote as deleted", async () => {
      const original = await say("bob@B", { roomId: dm, message: "secret token abc123" });
      const reply = await say("alice@A", { roomId: dm, message: "careful", replyTo: original.id });
      await emit<DeleteAck>("bob@B", "message.delete", { roomId: dm, id: original.id });
      await emit("alice@A", "message.edit", { roomId: dm, id: reply.id, message: "careful!" });
      await waitHeard("bob@B", "message.updated", (c) => c.message.id === reply.id);
      expect(heardOf("bob@B", "message.updated", (c) => c.message.id === reply.id)[0].message.reply).toEqual({ from: ids.bob, message: "", deleted: true });
      const stored = await ctxt.raw.zRange(`room:${dm}`, 0, -1);
      expect(stored.join("\n")).not.toContain("abc123");
    });

    it("a stored quote of a message with a file, kept with the file's address, is served as its caption and file name", async () => {
      // As replies were stored before quotes left file lines out: the seed fallback, address and all.
      const fileId = "AHjVmK_RNCK47UCJlGkhqw";
      const text = `Here is the plan\n📎 plan.txt /room/${TEAM}/attachments/${fileId}`;
      const original = { id: "1700000000000001", from: ids.bob, date: 1700000000, message: text, roomId: TEAM,
        attachments: [{ id: fileId, name: "plan.txt", type: "text/plain", size: 4 }] };
      const reply = { id: "1700000000000002", from: ids.alice, date: 1700000000, message: "looks good", roomId: TEAM,
        replyTo: original.id, reply: { from: ids.bob, message: text } };
      await ctxt.raw.zAdd(`room:${TEAM}`, [
        { score: 1700000000.000001, value: JSON.stringify(original) }, { score: 1700000000.000002, value: JSON.stringify(reply) },
      ]);
      const one = await api(b, `/room/${TEAM}/messages/${reply.id}`, cookies.alice);
      expect(one.body).toMatchObject({ reply: { from: ids.bob, message: "Here is the plan · 📎 plan.txt" } });
      // A new reply to it quotes the same from the start.
      const fresh = await say("alice@A", { roomId: TEAM, message: "on it", replyTo: original.id });
      expect(fresh.reply).toEqual({ from: ids.bob, message: "Here is the plan · 📎 plan.txt" });
    });

    it("refuses a reply to a message of another room or to none, storing nothing", async () => {
      const elsewhere = await say("bob@B", { roomId: "0", message: "in General" });
      const before = await ctxt.raw.zCard(`room:${dm}`);
      const ack1 = await send(tabs["alice@A"]!.socket, { roomId: dm, message: "re", replyTo: elsewhere.id });
      const ack2 = await send(tabs["alice@A"]!.socket, { roomId: dm, message: "re", replyTo: "1000000" });
      expect(ack1).toMatchObject({ ok: false });
      expect(ack2).toMatchObject({ ok: false });
      expect(await ctxt.raw.zCard(`room:${dm}`)).toBe(before);
    });
  });

  describe("edit", () => {
    it("replaces the message at the same score with the new text and an edited mark, live on every instance", async () => {
      const message = await say("alice@A", { roomId: dm, message: "teh plan" });
      const score = await ctxt.raw.zScore(`room:${dm}`, JSON.stringify(message));
      expect(score).not.toBeNull();
      const ack = await emit<MessageAck>("alice@A", "message.edit", { roomId: dm, id: message.id, message: "the plan, @bob" });
      if (!ack.ok) throw new Error(ack.error);
      expect(ack.message).toMatchObject({ id: message.id, date: message.date, message: "the plan, @bob", mentions: [ids.bob] });
      expect(ack.message.edited).toBeGreaterThanOrEqual(message.date);
      for (const tab of ["bob@B", "alice@B", "alice@A"]) {
        await waitHeard(tab, "message.updated", (c) => c.message.id === message.id);
      }
      expect(heardOf("bob@B", "message.updated", (c) => c.message.id === message.id)[0]).toMatchObject({
        type: "message.updated",
        seq: expect.stringMatching(/^\d+-\d+$/),
        roomId: dm,
        message: ack.message,
      });
      // What a seed server reads: the same score, one member, the new text.
      const members = await ctxt.raw.zRangeByScoreWithScores(`room:${dm}`, score!, score!);
      expect(members).toHaveLength(1);
      expect(JSON.parse(members[0]!.value)).toMatchObject({ from: ids.alice, date: message.date, message: "the plan, @bob", roomId: dm });
      const page = await api(b, `/room/${dm}/messages?offset=0&size=1`, cookies.bob);
      expect(page.body[0]).toMatchObject({ id: message.id, message: "the plan, @bob" });
    });

    it("edits over REST and every socket, on this instance too, updates", async () => {
      const message = await say("bob@B", { roomId: TEAM, message: "draft" });
      const res = await api(b, `/room/${TEAM}/messages/${message.id}`, cookies.bob, { method: "PATCH", body: JSON.stringify({ message: "final" }) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: message.id, message: "final", edited: expect.any(Number) });
      for (const tab of ["bob@B", "alice@B", "alice@A"]) await waitHeard(tab, "message.updated", (c) => c.message.id === message.id);
    });

    it("parallel edits of one message by its author, on both instances, are all applied: the last one wins, none answers 404", async () => {
      const message = await say("bob@B", { roomId: TEAM, message: "v0" });
      const texts = Array.from({ length: 12 }, (_, i) => `v${i + 1}`);
      const answers = await Promise.all(texts.map((text, i) =>
        api(i % 2 ? a : b, `/room/${TEAM}/messages/${message.id}`, cookies.bob, { method: "PATCH", body: JSON.stringify({ message: text }) })));
      expect(answers.map((r) => r.status)).toEqual(texts.map(() => 200));
      const stored = await api(a, `/room/${TEAM}/messages/${message.id}`, cookies.bob);
      expect(texts).toContain(stored.body.message);
      // One member at the message's score: no edit left a copy behind.
      const page = (await api(a, `/room/${TEAM}/messages?offset=0&size=20`, cookies.bob)).body as { id: string }[];
      expect(page.filter((m) => m.id === message.id)).toHaveLength(1);
    });

    it("a resend of an edited message's clientId returns the message as it is now", async () => {
      const message = await say("alice@A", { roomId: "0", message: "first try", clientId: "edit-resend-1" });
      await emit("alice@A", "message.edit", { roomId: "0", id: message.id, message: "second try" });
      const resend = await send(tabs["alice@B"]!.socket, { roomId: "0", message: "first try", clientId: "edit-resend-1" });
      expect(resend).toMatchObject({ ok: true, message: { id: message.id, message: "second try", edited: expect.any(Number) } });
    });

    it("refuses an edit by anyone but the author, and changes nothing", async () => {
      const message = await say("alice@A", { roomId: "0", message: "mine" });
      const ack = await emit<MessageAck>("bob@B", "message.edit", { roomId: "0", id: message.id, message: "yours" });
      expect(ack).toEqual({ ok: false, error: "Only its author can edit a message" });
      const admin = await api(a, `/room/0/messages/${message.id}`, cookies.dave, { method: "PATCH", body: JSON.stringify({ message: "x" }) });
      expect(admin.status).toBe(403);
      const res = await api(a, `/room/0/messages/${message.id}`, cookies.alice);
      expect(res.body).toMatchObject({ message: "mine" });
      expect(res.body).not.toHaveProperty("edited");
    });

    it("refuses malformed edits and unknown messages", async () => {
      expect(await emit("alice@A", "message.edit", { roomId: dm, id: "abc", message: "x" })).toMatchObject({ ok: false });
      expect(await emit("alice@A", "message.edit", { roomId: dm, id: "123", message: "   " })).toMatchObject({ ok: false });
      expect(await emit("alice@A", "message.edit", null)).toMatchObject({ ok: false });
      const res = await api(a, `/room/${dm}/messages/1000000`, cookies.alice, { method: "PATCH", body: JSON.stringify({ message: "x" }) });
      expect(res.status).toBe(404);
    });
  });

  describe("delete", () => {
    it("the author deletes over the socket: gone from history and from every open client", async () => {
      const message = await say("bob@B", { roomId: dm, message: "oops" });
      const ack = await emit<DeleteAck>("bob@B", "message.delete", { roomId: dm, id: message.id });
      expect(ack).toEqual({ ok: true, id: message.id });
      for (const tab of ["alice@A", "alice@B", "bob@B"]) await waitHeard(tab, "message.deleted", (c) => c.id === message.id);
      const history = await api(a, `/room/${dm}/messages?offset=0&size=20`, cookies.alice);
      expect((history.body as ChatMessage[]).map((m) => m.id)).not.toContain(message.id);
      expect(await api(a, `/room/${dm}/messages/${message.id}`, cookies.alice)).toMatchObject({ status: 404 });
    });

    it("an administrator deletes anyone's message over REST; another member may not", async () => {
      const message = await say("bob@B", { roomId: "0", message: "spam" });
      const refused = await api(b, `/room/0/messages/${message.id}`, cookies.carol, { method: "DELETE" });
      expect(refused).toMatchObject({ status: 403 });
      const res = await api(a, `/room/0/messages/${message.id}`, cookies.dave, { method: "DELETE" });
      expect(res).toMatchObject({ status: 200, body: { roomId: "0", id: message.id } });
      for (const tab of ["carol@B", "dave@A", "alice@A"]) await waitHeard(tab, "message.deleted", (c) => c.id === message.id);
      expect(await api(a, `/room/0/messages/${message.id}`, cookies.dave, { method: "DELETE" })).toMatchObject({ status: 404 });
    });
    it("an administrator deletes a message in a private room they are not in; the members see it go", async () => {
      const message = await say("alice@A", { roomId: dm, message: "something to moderate" });
      const res = await api(b, `/room/${dm}/messages/${message.id}`, cookies.dave, { method: "DELETE" });
      expect(res).toMatchObject({ status: 200, body: { roomId: dm, id: message.id } });
      for (const tab of ["alice@A", "bob@B"]) await waitHeard(tab, "message.deleted", (c) => c.id === message.id);
      // Deleting is all an administrator may do there: reading stays the members'.
      expect(await api(a, `/room/${dm}/messages?offset=0&size=5`, cookies.dave)).toMatchObject({ status: 403 });
    });
  });

  describe("reactions", () => {
    it("any member adds and removes reactions, live on every instance and included when history is read", async () => {
      const message = await say("alice@A", { roomId: dm, message: "lunch?" });
      const up = await emit<ReactionAck>("bob@B", "reaction.add", { roomId: dm, id: message.id, emoji: "👍" });
      expect(up).toEqual({ ok: true, reactions: [{ emoji: "👍", users: [ids.bob] }] });
      const put = await api(a, `/room/${dm}/messages/${message.id}/reactions/${encodeURIComponent("👍")}`, cookies.alice, { method: "PUT" });
      expect(put.body).toEqual({ roomId: dm, id: message.id, reactions: [{ emoji: "👍", users: [ids.bob, ids.alice] }] });
      const code = await api(a, `/room/${dm}/messages/${message.id}/reactions/${encodeURIComponent(":tada:")}`, cookies.alice, { method: "PUT" });
      expect(code.status).toBe(200);
      await waitHeard("alice@A", "reaction.updated", (c) => c.id === message.id && c.emoji === ":tada:");
      await waitHeard("bob@B", "reaction.updated", (c) => c.id === message.id && c.emoji === ":tada:");
      expect(heardOf("bob@B", "reaction.updated", (c) => c.id === message.id).map((c) => [c.userId, c.emoji, c.added])).toEqual([
        [ids.bob, "👍", true],
        [ids.alice, "👍", true],
        [ids.alice, ":tada:", true],
      ]);
      const page = await api(b, `/room/${dm}/messages?offset=0&size=5`, cookies.bob);
      expect((page.body as ChatMessage[]).find((m) => m.id === message.id)!.reactions).toEqual([
        { emoji: "👍", users: [ids.bob, ids.alice] },
        { emoji: ":tada:", users: [ids.alice] },
      ]);
      const removed = await emit<ReactionAck>("bob@B", "reaction.remove", { roomId: dm, id: message.id, emoji: "👍" });
      expect(removed).toEqual({
        ok: true,
        reactions: [{ emoji: "👍", users: [ids.alice] }, { emoji: ":tada:", users: [ids.alice] }],
      });
      await api(a, `/room/${dm}/messages/${message.id}/reactions/${encodeURIComponent("👍")}`, cookies.alice, { method: "DELETE" });
      await api(a, `/room/${dm}/messages/${message.id}/reactions/${encodeURIComponent(":tada:")}`, cookies.alice, { method: "DELETE" });
      expect(await ctxt.raw.hExists(`{room:${dm}}:reactions`, message.id)).toBe(0);
      const after = await api(b, `/room/${dm}/messages?after=${BigInt(message.id) - 1n}&size=5`, cookies.bob);
      expect(after.body[0]).not.toHaveProperty("reactions");
    });

    it("a repeated reaction changes nothing and is sent to no one", async () => {
      const message = await say("alice@A", { roomId: "0", message: "again" });
      await emit("bob@B", "reaction.add", { roomId: "0", id: message.id, emoji: "🎉" });
      const again = await emit<ReactionAck>("bob@B", "reaction.add", { roomId: "0", id: message.id, emoji: "🎉" });
      expect(again).toEqual({ ok: true, reactions: [{ emoji: "🎉", users: [ids.bob] }] });
      await waitHeard("alice@A", "reaction.updated", (c) => c.id === message.id);
      await sleep(200);
      expect(heardOf("alice@A", "reaction.updated", (c) => c.id === message.id)).toHaveLength(1);
    });

    it("refuses what is not an emoji, and messages that do not exist", async () => {
      const message = await say("alice@A", { roomId: "0", message: "react to me" });
      for (const emoji of ["abc", "<img>", "👍👍", ":Bad:"]) {
        const res = await api(a, `/room/0/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`, cookies.alice, { method: "PUT" });
        expect(res.status, emoji).toBe(400);
      }
      expect(await emit("alice@A", "reaction.add", { roomId: "0", id: message.id, emoji: "x".repeat(100) })).toMatchObject({ ok: false });
      const missing = await api(a, `/room/0/messages/1000000/reactions/${encodeURIComponent("👍")}`, cookies.alice, { method: "PUT" });
      expect(missing.status).toBe(404);
    });

    it("takes at most 20 different emoji on one message, and records nothing for a refused one", async () => {
      const message = await say("alice@A", { roomId: "0", message: "so many feelings" });
      const emoji = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙", "🥲", "😚", "🙂"];
      for (const e of emoji) expect(await emit("bob@B", "reaction.add", { roomId: "0", id: message.id, emoji: e })).toMatchObject({ ok: true });
      const before = (await api(a, "/room/0/changes", cookies.alice)).body.cursor;
      const res = await api(a, `/room/0/messages/${message.id}/reactions/${encodeURIComponent("🤗")}`, cookies.alice, { method: "PUT" });
      expect(res.status).toBe(409);
      expect(await emit("alice@A", "reaction.add", { roomId: "0", id: message.id, emoji: "😀" })).toMatchObject({ ok: true });
      const page = (await api(a, `/room/0/changes?since=${before}`, cookies.alice)).body as ChangesPage;
      expect(page.changes.map((c: any) => c.emoji)).toEqual(["😀"]);
    });

    it("a deleted message's reactions go with it", async () => {
      const message = await say("alice@A", { roomId: "0", message: "short-lived" });
      await emit("bob@B", "reaction.add", { roomId: "0", id: message.id, emoji: "❤️" });
      await emit("alice@A", "message.delete", { roomId: "0", id: message.id });
      expect(await ctxt.raw.hExists("{room:0}:reactions", message.id)).toBe(0);
    });
  });

  describe("typing", () => {
    it("reaches the room's other members on the other instance, not the typist's own tabs, and is never stored", async () => {
      const keysBefore = (await ctxt.raw.keys("*")).sort();
      const ack = await emit("alice@A", "typing", { roomId: dm });
      expect(ack).toEqual({ ok: true });
      await waitHeard("bob@B", "typing", (t: Typing) => t.roomId === dm);
      expect(heardOf("bob@B", "typing", (t) => t.roomId === dm)[0]).toEqual({ roomId: dm, userId: ids.alice });
      await sleep(200);
      expect(heardOf("alice@B", "typing")).toHaveLength(0);
      expect(heardOf("alice@A", "typing")).toHaveLength(0);
      expect((await ctxt.raw.keys("*")).sort()).toEqual(keysBefore);
    });

    it("is throttled per socket and room", async () => {
      expect(await emit("bob@B", "typing", { roomId: TEAM })).toEqual({ ok: true });
      expect(await emit("bob@B", "typing", { roomId: TEAM })).toMatchObject({ ok: false });
      expect(await emit("bob@B", "typing", { roomId: "0" })).toEqual({ ok: true });
      await waitHeard("alice@A", "typing", (t) => t.roomId === TEAM);
      await waitHeard("carol@B", "typing", (t) => t.roomId === "0");
      await sleep(200);
      expect(heardOf("alice@A", "typing", (t) => t.roomId === TEAM && t.userId === ids.bob)).toHaveLength(1);
    });
  });

  describe("catch-up after being offline", () => {
    it("a client that was away gets the edits, deletions and reactions it missed from the change log", async () => {
      const kept = await say("alice@A", { roomId: dm, message: "version 1" });
      const doomed = await say("alice@A", { roomId: dm, message: "will go" });
      // bob reads the cursor, then goes offline
      const start = (await api(b, `/room/${dm}/changes`, cookies.bob)).body as ChangesPage;
      expect(start).toMatchObject({ changes: [], more: false, complete: true });
      tabs["bob@B"]!.socket.disconnect();
      await emit("alice@A", "message.edit", { roomId: dm, id: kept.id, message: "version 2" });
      await emit("alice@A", "reaction.add", { roomId: dm, id: kept.id, emoji: "🚀" });
      await emit("alice@A", "message.delete", { roomId: dm, id: doomed.id });
      // back: the messages after his newest show nothing of it, the change log does
      const missed = (await api(b, `/room/${dm}/changes?since=${start.cursor}`, cookies.bob)).body as ChangesPage;
      expect(missed.complete).toBe(true);
      expect(missed.more).toBe(false);
      expect(missed.changes.map((c: RoomChange) => c.type)).toEqual(["message.updated", "reaction.updated", "message.deleted"]);
      expect(missed.changes[0]).toMatchObject({ message: { id: kept.id, message: "version 2" } });
      expect(missed.changes[1]).toMatchObject({ id: kept.id, reactions: [{ emoji: "🚀", users: [ids.alice] }] });
      expect(missed.changes[2]).toMatchObject({ id: doomed.id });
      expect(missed.cursor).toBe(missed.changes[2]!.seq);
      // applying them to what bob had gives what the room has now
      let mine: ChatMessage[] = [kept, doomed];
      for (const change of missed.changes) mine = applyChange(mine, change);
      const now = ((await api(b, `/room/${dm}/messages?offset=0&size=2`, cookies.bob)).body as ChatMessage[]).reverse();
      expect(mine).toEqual(now.filter((m) => m.id === kept.id || m.id === doomed.id));
      // nothing new since the cursor
      const again = (await api(b, `/room/${dm}/changes?since=${missed.cursor}`, cookies.bob)).body as ChangesPage;
      expect(again).toEqual({ changes: [], cursor: missed.cursor, more: false, complete: true });
      const back = await connect(b, cookies.bob!);
      tabs["bob@B"] = { socket: back, heard: [] };
    });

    it("pages through many changes and accepts a time in ms as the cursor", async () => {
      const since = Date.now() - 1;
      const message = await say("alice@A", { roomId: TEAM, message: "counting" });
      for (let i = 0; i < 5; i++) await emit("alice@A", "message.edit", { roomId: TEAM, id: message.id, message: `count ${i}` });
      const first = (await api(a, `/room/${TEAM}/changes?since=${since}&size=3`, cookies.bob)).body as ChangesPage;
      expect(first.changes).toHaveLength(3);
      expect(first.more).toBe(true);
      const rest = (await api(a, `/room/${TEAM}/changes?since=${first.cursor}&size=3`, cookies.bob)).body as ChangesPage;
      expect(rest.changes.map((c: any) => c.message.message)).toEqual(["count 3", "count 4"]);
      expect(rest.more).toBe(false);
    });

    it("says the log no longer reaches back when changes after the cursor were trimmed", async () => {
      const start = (await api(a, `/room/0/changes`, cookies.alice)).body as ChangesPage;
      const message = await say("alice@A", { roomId: "0", message: "busy room" });
      for (let i = 0; i < 3; i++) await emit("alice@A", "message.edit", { roomId: "0", id: message.id, message: `busy ${i}` });
      await ctxt.raw.xTrim("{room:0}:changes", "MAXLEN", 1);
      const page = (await api(a, `/room/0/changes?since=${start.cursor}`, cookies.alice)).body as ChangesPage;
      expect(page.complete).toBe(false);
    });

    it("refuses malformed cursors and non-members", async () => {
      expect((await api(a, `/room/0/changes?since=abc`, cookies.alice)).status).toBe(400);
      expect((await api(a, `/room/${dm}/changes`, cookies.carol)).status).toBe(403);
    });
  });

  describe("messages written by a server that follows the seed", () => {
    it("can be replied to, reacted to and edited by their author; the edit keeps the score", async () => {
      const second = Math.floor(Date.now() / 1000) - 100_000;
      const seedJson = JSON.stringify({ from: String(ids.bob), date: second, message: "from a seed server", roomId: "0" });
      await ctxt.raw.zAdd("room:0", { score: second, value: seedJson });
      const id = messageIdForSeedMember(second, seedJson);
      expect(id).toMatch(/^\d+-[0-9a-f]{12}$/);
      const reply = await say("alice@A", { roomId: "0", message: "seen", replyTo: id });
      expect(reply).toMatchObject({ replyTo: id, reply: { from: ids.bob, message: "from a seed server" } });
      expect(await emit("alice@A", "reaction.add", { roomId: "0", id, emoji: "👀" })).toMatchObject({ ok: true });
      const edit = await emit<MessageAck>("bob@B", "message.edit", { roomId: "0", id, message: "edited here" });
      expect(edit).toMatchObject({ ok: true, message: { id, from: ids.bob, date: second, message: "edited here" } });
      const stored = await ctxt.raw.zRangeByScoreWithScores("room:0", second, second);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.score).toBe(second);
      expect(JSON.parse(stored[0]!.value)).toMatchObject({ id, message: "edited here", roomId: "0" });
      const one = await api(a, `/room/0/messages/${id}`, cookies.alice);
      expect(one.body).toMatchObject({ id, message: "edited here", reactions: [{ emoji: "👀", users: [ids.alice] }] });
    });

    it("reads a stored message whose extra fields are malformed, without them", async () => {
      const second = Math.floor(Date.now() / 1000) - 200_000;
      const id = `${second}000000`;
      await ctxt.raw.zAdd("room:0", {
        score: second,
        value: JSON.stringify({ id, from: ids.bob, date: second, message: "odd", roomId: "0", mentions: "everyone", edited: "yesterday" }),
      });
      const res = await api(a, `/room/0/messages/${id}`, cookies.alice);
      expect(res.body).toEqual({ id, from: ids.bob, date: second, message: "odd", roomId: "0" });
    });
  });

  describe("a non-member", () => {
    it("cannot edit, delete, react, type or read changes in a room they are not in", async () => {
      const inDm = await say("alice@A", { roomId: dm, message: "between us" });
      const inTeam = await say("bob@B", { roomId: TEAM, message: "team only" });
      for (const [roomId, id] of [[dm, inDm.id], [TEAM, inTeam.id]] as const) {
        expect(await emit("carol@B", "message.edit", { roomId, id, message: "x" })).toEqual({ ok: false, error: "You are not a member of this room" });
        expect(await emit("carol@B", "message.delete", { roomId, id })).toMatchObject({ ok: false });
        expect(await emit("carol@B", "reaction.add", { roomId, id, emoji: "👍" })).toMatchObject({ ok: false });
        expect(await emit("carol@B", "typing", { roomId })).toEqual({ ok: false, error: "You are not a member of this room" });
        expect(await send(tabs["carol@B"]!.socket, { roomId: "0", message: "x", replyTo: id })).toMatchObject({ ok: false });
        for (const [method, path] of [
          ["GET", `/room/${roomId}/messages/${id}`],
          ["PATCH", `/room/${roomId}/messages/${id}`],
          ["DELETE", `/room/${roomId}/messages/${id}`],
          ["PUT", `/room/${roomId}/messages/${id}/reactions/${encodeURIComponent("👍")}`],
          ["GET", `/room/${roomId}/changes?since=0`],
        ] as const) {
          const res = await api(b, path, cookies.carol, method === "PATCH" ? { method, body: JSON.stringify({ message: "x" }) } : { method });
          expect(res.status, `${method} ${path}`).toBe(403);
        }
      }
    });

    it("received nothing of those rooms during this whole file: no message, change or typing", () => {
      const leaked = tabs["carol@B"]!.heard.filter((h) => {
        const roomId = h.payload?.roomId ?? h.payload?.message?.roomId;
        return roomId === dm || roomId === TEAM;
      });
      expect(leaked).toEqual([]);
      expect(tabs["carol@B"]!.heard.length).toBeGreaterThan(0);
    });
  });
});

/** What a client does with a change (the client's reducer does the same). */
function applyChange(messages: ChatMessage[], change: RoomChange): ChatMessage[] {
  switch (change.type) {
    case "message.updated":
      return messages.map((m) => (m.id === change.message.id ? { ...change.message, ...(m.reactions ? { reactions: m.reactions } : {}) } : m));
    case "message.deleted":
      return messages.filter((m) => m.id !== change.id);
    case "reaction.updated":
      return messages.map((m) => {
        if (m.id !== change.id) return m;
        const { reactions: _old, ...rest } = m;
        return change.reactions.length ? { ...rest, reactions: change.reactions } : rest;
      });
    case "previews.updated":
      return messages.map((m) => {
        if (m.id !== change.id) return m;
        const { previews: _old, ...rest } = m;
        return change.previews.length ? { ...rest, previews: change.previews } : rest;
      });
  }
}
