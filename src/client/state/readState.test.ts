import { describe, expect, it } from "vitest";
import { chatReducer, initialChatState, unreadCount, type ChatAction, type ChatState } from "./chat.js";
import { applyServerRead, markRead, readToSend, roomUnread, type ReadFields } from "./unread.js";
import { msg } from "./test-helpers.js";

const ME = { id: 1, username: "Pablo" };
const run = (state: ChatState, ...actions: ChatAction[]) => actions.reduce(chatReducer, state);

function room(over: Partial<ReadFields> = {}): ReadFields {
  return { id: "5", messages: [], hasOlder: true, lastReadId: null, serverReadId: null, serverUnread: 0, ...over };
}

describe("read state from the server", () => {
  it("the server's unread count stands for messages older than the loaded page", () => {
    const r = room({ messages: [msg(50, 2, "5"), msg(51, 2, "5")], lastReadId: "10", serverReadId: "10", serverUnread: 40 });
    expect(roomUnread(r, 1)).toBe(40);
    // Everything since the read mark is loaded: the messages themselves are counted.
    expect(roomUnread({ ...r, hasOlder: false }, 1)).toBe(2);
  });

  it("a read mark from the server never moves back, and the local mark stays when it is ahead", () => {
    let r = applyServerRead(room(), "20", 3);
    expect(r).toMatchObject({ lastReadId: "20", serverReadId: "20", serverUnread: 3 });
    expect(applyServerRead(r, "19", 9)).toBe(r);
    r = markRead(r, "25");
    expect(r).toMatchObject({ lastReadId: "25", serverUnread: 0 });
    expect(applyServerRead(r, "22", 1).lastReadId).toBe("25");
  });

  it("only a read mark ahead of the server's is sent", () => {
    expect(readToSend(room())).toBeNull();
    expect(readToSend(room({ lastReadId: "7" }))).toBe("7");
    expect(readToSend(room({ lastReadId: "7", serverReadId: "7" }))).toBeNull();
    expect(readToSend(room({ lastReadId: "9", serverReadId: "7" }))).toBe("9");
  });

  it("a listing with lastRead and unread sets the badge before any history is loaded", () => {
    const s = run(initialChatState(ME, null), { type: "roomsLoaded", lastRead: {}, rooms: [
      { id: "0", names: ["General"], lastRead: null, unread: 12 },
      { id: "7", names: ["design"], name: "design", kind: "room", lastRead: "3", unread: 2 },
    ] });
    expect(unreadCount(s, s.rooms["0"]!)).toBe(12);
    expect(unreadCount(s, s.rooms["7"]!)).toBe(2);
    expect(s.rooms["7"]!.readOnFirstLoad).toBe(false);
  });

  it("another tab reading the room clears the badge here; opening a room reads it", () => {
    let s = run(initialChatState(ME, null),
      { type: "roomsLoaded", lastRead: {}, rooms: [{ id: "7", names: ["design"], kind: "room", lastRead: "3", unread: 0 }] },
      { type: "historyLoaded", roomId: "7", messages: [msg(5, 2, "7"), msg(4, 2, "7"), msg(3, 2, "7")], hasOlder: false },
    );
    expect(unreadCount(s, s.rooms["7"]!)).toBe(2);
    s = run(s, { type: "readState", roomId: "7", lastRead: "5", unread: 0 });
    expect(unreadCount(s, s.rooms["7"]!)).toBe(0);
    s = run(s, { type: "messagesArrived", roomId: "7", messages: [msg(6, 2, "7")] }, { type: "roomOpened", roomId: "7" });
    expect(s.rooms["7"]!).toMatchObject({ lastReadId: "6", dividerAfterId: "5" });
    expect(readToSend(s.rooms["7"]!)).toBe("6");
  });
});

describe("room.read from other tabs and instances", () => {
  it("an older marker arriving after a newer one does not move the marker back, nor bring back the badge", () => {
    let s = run(initialChatState(ME, null),
      { type: "roomsLoaded", lastRead: {}, rooms: [{ id: "7", names: ["design"], kind: "room", lastRead: "3", unread: 4 }] },
    );
    s = run(s, { type: "readState", roomId: "7", lastRead: "9", unread: 0 });
    expect(s.rooms["7"]!).toMatchObject({ lastReadId: "9", serverReadId: "9", serverUnread: 0 });
    // Published a moment earlier on another instance, heard later.
    const after = run(s, { type: "readState", roomId: "7", lastRead: "5", unread: 3 });
    expect(after.rooms["7"]!).toMatchObject({ lastReadId: "9", serverReadId: "9", serverUnread: 0 });
    expect(unreadCount(after, after.rooms["7"]!)).toBe(0);
  });
});

describe("rooms slice: live changes", () => {
  const listed = () => run(initialChatState(ME, "7"), { type: "roomsLoaded", lastRead: {}, rooms: [
    { id: "0", names: ["General"] },
    { id: "7", names: ["design"], name: "design", kind: "room", topic: "", visibility: "open", lastRead: null, unread: 0 },
  ] });

  it("a renamed room keeps its messages and takes the new name, topic and visibility", () => {
    let s = run(listed(), { type: "messagesArrived", roomId: "7", messages: [msg(1, 2, "7")] });
    s = run(s, { type: "roomUpdated", roomId: "7", name: "Design team", topic: "pixels", visibility: "closed" });
    expect(s.rooms["7"]).toMatchObject({ name: "Design team", topic: "pixels", visibility: "closed" });
    expect(s.rooms["7"]!.messages).toHaveLength(1);
  });

  it("a room I was removed from disappears, with its pending sends, and is no longer open", () => {
    let s = run(listed(), { type: "sendStarted", pending: { clientId: "c1", roomId: "7", text: "x", status: "pending", createdAt: 1 } });
    s = run(s, { type: "roomRemoved", roomId: "7" });
    expect(s.rooms["7"]).toBeUndefined();
    expect(s.pending).toEqual({});
    expect(s.activeRoomId).toBeNull();
    expect(run(s, { type: "roomRemoved", roomId: "7" })).toBe(s);
  });

  it("a listing seen again with a new name updates the room without losing its history", () => {
    let s = run(listed(), { type: "messagesArrived", roomId: "7", messages: [msg(1, 2, "7")] });
    s = run(s, { type: "roomAdded", room: { id: "7", names: ["design"], name: "Design", kind: "room" } });
    expect(s.rooms["7"]).toMatchObject({ name: "Design" });
    expect(s.rooms["7"]!.messages).toHaveLength(1);
  });
});

describe("rooms slice: being taken out", () => {
  it("being removed or a deleted room is said once; leaving on one's own is not", () => {
    let s = run(initialChatState(ME, null), { type: "roomsLoaded", lastRead: {}, rooms: [
      { id: "7", names: ["design"], name: "design", kind: "room" }, { id: "8", names: ["ops"], name: "ops", kind: "room" },
    ] });
    s = run(s, { type: "roomRemoved", roomId: "7", reason: "left", title: "design" });
    expect(s.removedFrom).toBeNull();
    s = run(s, { type: "roomRemoved", roomId: "8", reason: "removed", title: "ops" });
    expect(s.removedFrom).toEqual({ title: "ops", reason: "removed" });
    s = run(s, { type: "removalSeen" });
    expect(s.removedFrom).toBeNull();
  });
});

describe("rooms slice: the list again after a reconnect", () => {
  it("adds new rooms, moves read state, and drops named rooms no longer listed but keeps one-to-one rooms", () => {
    let s = run(initialChatState(ME, null), { type: "roomsLoaded", lastRead: {}, rooms: [
      { id: "0", names: ["General"], lastRead: null, unread: 0 },
      { id: "1:2", names: ["Pablo", "Joe"] },
      { id: "7", names: ["design"], name: "design", kind: "room", lastRead: "1", unread: 4 },
    ] });
    s = run(s, { type: "roomsRefreshed", rooms: [
      { id: "0", names: ["General"], lastRead: "9", unread: 0 },
      { id: "8", names: ["ops"], name: "ops", kind: "room", lastRead: null, unread: 2 },
    ] });
    expect(Object.keys(s.rooms).sort()).toEqual(["0", "1:2", "8"]);
    expect(s.rooms["0"]!.lastReadId).toBe("9");
    expect(unreadCount(s, s.rooms["8"]!)).toBe(2);
  });
});
