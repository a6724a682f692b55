import { describe, expect, it } from "vitest";
import { TYPING_EXPIRES_MS, type RoomChange } from "../../protocol/index.js";
import { applyChange, compareSeq, lastOwnMessage, laterSeq, toggleReaction } from "./actions.js";
import { chatReducer, initialChatState, unreadMentionCount, type ChatState } from "./chat.js";
import { msg } from "./test-helpers.js";
import { nextTypingExpiry, shouldSendTyping, typingIn, typingLabel } from "./typing.js";

const me = { id: 1, username: "Mary" };

function withGeneral(messages = [msg(1), msg(2, 1), msg(3)]): ChatState {
  let s = initialChatState(me, "0");
  s = chatReducer(s, { type: "roomsLoaded", rooms: [{ id: "0", names: ["General"] }], lastRead: { "0": "3" } });
  return chatReducer(s, { type: "historyLoaded", roomId: "0", messages, hasOlder: false });
}

const updated = (id: string, text: string, seq = "100-0"): RoomChange =>
  ({ type: "message.updated", seq, roomId: "0", message: { ...msg(id, 2), message: text, edited: 1_900_000_000 } });

describe("message changes (edit, delete, reactions)", () => {
  it("an edit replaces the message in place, keeps its reactions, and advances the change cursor", () => {
    let s = withGeneral([msg(1), { ...msg(2), reactions: [{ emoji: "👍", users: [1] }] }, msg(3)]);
    s = chatReducer(s, { type: "roomChanged", change: updated("2", "fixed typo", "200-1") });
    const room = s.rooms["0"]!;
    expect(room.messages.map((m) => m.id)).toEqual(["1", "2", "3"]);
    expect(room.messages[1]).toMatchObject({ message: "fixed typo", edited: 1_900_000_000, reactions: [{ emoji: "👍", users: [1] }] });
    expect(room.changeCursor).toBe("200-1");
  });
  it("a deletion removes the message; applying it twice changes nothing more", () => {
    let s = withGeneral();
    const del: RoomChange = { type: "message.deleted", seq: "5-0", roomId: "0", id: "2" };
    s = chatReducer(s, { type: "roomChanged", change: del });
    const once = s.rooms["0"]!.messages;
    expect(once.map((m) => m.id)).toEqual(["1", "3"]);
    expect(applyChange(once, del)).toBe(once);
  });
  it("a deletion blanks the quote of every loaded reply to it, loaded original or not, keeping no text", () => {
    const reply = (id: number, to: string) => ({ ...msg(id, 1), replyTo: to, reply: { from: 2, message: "secret" } });
    let s = withGeneral([msg(1), msg(2), reply(3, "2"), reply(4, "0")]);
    s = chatReducer(s, { type: "roomChanged", change: { type: "message.deleted", seq: "5-0", roomId: "0", id: "2" } });
    s = chatReducer(s, { type: "roomChanged", change: { type: "message.deleted", seq: "6-0", roomId: "0", id: "0" } });
    const messages = s.rooms["0"]!.messages;
    expect(messages.map((m) => m.reply)).toEqual([undefined, { from: 2, message: "", deleted: true }, { from: 2, message: "", deleted: true }]);
    expect(JSON.stringify(messages)).not.toContain("secret");
  });
  it("an edit requotes loaded replies to it: the new caption and file names, no file address", () => {
    let s = withGeneral([msg(1), { ...msg(2, 1), replyTo: "1", reply: { from: 2, message: "old words" } }]);
    const files = [{ id: "AHjVmK_RNCK47UCJlGkhqw", name: "plan.txt", type: "text/plain", size: 4 }];
    const edited = { ...msg(1, 2), message: "new words\n📎 plan.txt /room/0/attachments/AHjVmK_RNCK47UCJlGkhqw", attachments: files, edited: 1 };
    s = chatReducer(s, { type: "roomChanged", change: { type: "message.updated", seq: "7-0", roomId: "0", message: edited } });
    expect(s.rooms["0"]!.messages[1]!.reply).toEqual({ from: 2, message: "new words · 📎 plan.txt" });
  });
  it("reaction updates set the message's reactions; an empty list removes the field", () => {
    let s = withGeneral();
    const reactions = [{ emoji: "🎉", users: [2, 1] }];
    s = chatReducer(s, { type: "roomChanged", change: { type: "reaction.updated", seq: "7-0", roomId: "0", id: "3", reactions, userId: 1, emoji: "🎉", added: true } });
    expect(s.rooms["0"]!.messages[2]!.reactions).toEqual(reactions);
    s = chatReducer(s, { type: "roomChanged", change: { type: "reaction.updated", seq: "8-0", roomId: "0", id: "3", reactions: [], userId: 1, emoji: "🎉", added: false } });
    expect(s.rooms["0"]!.messages[2]).not.toHaveProperty("reactions");
  });
  it("changes caught up after being offline are applied in order, and the cursor moves to the page's", () => {
    let s = withGeneral();
    s = chatReducer(s, { type: "changesCaughtUp", roomId: "0", cursor: "10-0", changes: [] });
    expect(s.rooms["0"]!.changeCursor).toBe("10-0");
    s = chatReducer(s, {
      type: "changesCaughtUp", roomId: "0", cursor: "30-0",
      changes: [updated("1", "first edit", "20-0"), updated("1", "second edit", "25-0"), { type: "message.deleted", seq: "30-0", roomId: "0", id: "3" }],
    });
    expect(s.rooms["0"]!.messages.map((m) => m.message)).toEqual(["second edit", "m2"]);
    expect(s.rooms["0"]!.changeCursor).toBe("30-0");
  });
  it("a change for a message not loaded is ignored but still moves the cursor", () => {
    let s = withGeneral();
    const before = s.rooms["0"]!.messages;
    s = chatReducer(s, { type: "roomChanged", change: updated("99", "not here", "50-0") });
    expect(s.rooms["0"]!.messages).toBe(before);
    expect(s.rooms["0"]!.changeCursor).toBe("50-0");
  });
  it("a room whose change log no longer reaches back is emptied to be loaded again", () => {
    let s = withGeneral();
    s = chatReducer(s, { type: "roomReloadNeeded", roomId: "0" });
    expect(s.rooms["0"]).toMatchObject({ messages: [], loaded: false, hasOlder: true, changeCursor: null });
  });
  it("toggling my reaction adds me, removes me, and drops an emoji nobody uses", () => {
    const one = toggleReaction([], "👍", 1);
    expect(one).toEqual([{ emoji: "👍", users: [1] }]);
    expect(toggleReaction([{ emoji: "👍", users: [2] }], "👍", 1)).toEqual([{ emoji: "👍", users: [2, 1] }]);
    expect(toggleReaction(one, "👍", 1)).toEqual([]);
  });
  it("orders change sequences by time, then counter, as numbers", () => {
    expect(compareSeq("9-0", "10-0")).toBeLessThan(0);
    expect(compareSeq("10-2", "10-10")).toBeLessThan(0);
    expect(compareSeq("10", "10-0")).toBe(0);
    expect(laterSeq(null, "1-0")).toBe("1-0");
    expect(laterSeq("5-0", "4-9")).toBe("5-0");
  });
  it("Up-arrow edits my newest message", () => {
    expect(lastOwnMessage([msg(1, 1), msg(2, 2), msg(3, 1), msg(4, 2)], 1)?.id).toBe("3");
    expect(lastOwnMessage([msg(1, 2)], 1)).toBeNull();
  });
  it("counts unread messages that mention me, for the separate mention badge", () => {
    let s = withGeneral();
    s = chatReducer(s, { type: "roomOpened", roomId: null });
    s = chatReducer(s, { type: "messagesArrived", roomId: "0", messages: [{ ...msg(4), mentions: [1] }, msg(5), { ...msg(6), mentions: [3] }] });
    expect(unreadMentionCount(s, s.rooms["0"]!)).toBe(1);
  });
});

describe("typing", () => {
  it("shows who is typing until the indicator expires by itself", () => {
    let s = withGeneral();
    s = chatReducer(s, { type: "typing", roomId: "0", userId: 2, at: 1000 });
    expect(typingIn(s.typing, "0", me.id, 1000)).toEqual([2]);
    expect(nextTypingExpiry(s.typing)).toBe(1000 + TYPING_EXPIRES_MS);
    s = chatReducer(s, { type: "typingTick", at: 1000 + TYPING_EXPIRES_MS });
    expect(typingIn(s.typing, "0", me.id, 1000 + TYPING_EXPIRES_MS)).toEqual([]);
  });
  it("a renewed indicator lasts from the latest event", () => {
    let s = withGeneral();
    s = chatReducer(s, { type: "typing", roomId: "0", userId: 2, at: 1000 });
    s = chatReducer(s, { type: "typing", roomId: "0", userId: 2, at: 4000 });
    s = chatReducer(s, { type: "typingTick", at: 1000 + TYPING_EXPIRES_MS });
    expect(typingIn(s.typing, "0", me.id, 1000 + TYPING_EXPIRES_MS)).toEqual([2]);
  });
  it("a message from the typist ends their indicator; my own typing is never shown", () => {
    let s = withGeneral();
    s = chatReducer(s, { type: "typing", roomId: "0", userId: 2, at: 1000 });
    s = chatReducer(s, { type: "typing", roomId: "0", userId: 1, at: 1000 });
    expect(typingIn(s.typing, "0", me.id, 1000)).toEqual([2]);
    s = chatReducer(s, { type: "messagesArrived", roomId: "0", messages: [msg(10, 2)], live: true });
    expect(typingIn(s.typing, "0", me.id, 1000)).toEqual([]);
  });
  it("history fetched after the typing began (a first page, a catch-up) does not end the indicator", () => {
    let s = withGeneral();
    s = chatReducer(s, { type: "typing", roomId: "0", userId: 2, at: 1000 });
    s = chatReducer(s, { type: "historyLoaded", roomId: "0", messages: [msg(9, 2), msg(8, 2)], hasOlder: false });
    s = chatReducer(s, { type: "messagesArrived", roomId: "0", messages: [msg(10, 2)] });
    expect(typingIn(s.typing, "0", me.id, 1000)).toEqual([2]);
    // The same message then delivered live (a catch-up fetched it first) is news: it ends it.
    s = chatReducer(s, { type: "messagesArrived", roomId: "0", messages: [msg(10, 2)], live: true });
    expect(typingIn(s.typing, "0", me.id, 1000)).toEqual([]);
  });
  it("says who types: one, two, several", () => {
    expect(typingLabel([])).toBe("");
    expect(typingLabel(["Pablo"])).toBe("Pablo is typing…");
    expect(typingLabel(["Pablo", "Joe"])).toBe("Pablo and Joe are typing…");
    expect(typingLabel(["Pablo", "Joe", "Alex"])).toBe("Several people are typing…");
  });
  it("the sender emits at most one typing event per throttle interval", () => {
    expect(shouldSendTyping(undefined, 0, 3000)).toBe(true);
    expect(shouldSendTyping(0, 2999, 3000)).toBe(false);
    expect(shouldSendTyping(0, 3000, 3000)).toBe(true);
  });
});
