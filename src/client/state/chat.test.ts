import { describe, expect, it } from "vitest";
import { chatReducer, initialChatState, unreadCount, type ChatAction, type ChatState } from "./chat.js";
import { msg } from "./test-helpers.js";
import { readToSend } from "./unread.js";

const ME = { id: 1, username: "Pablo" };
const general = { id: "0", names: ["General"] };
const withJoe = { id: "1:2", names: ["Pablo", "Joe"] };

function run(state: ChatState, ...actions: ChatAction[]): ChatState {
  return actions.reduce(chatReducer, state);
}

function signedIn(active: string | null = "0"): ChatState {
  return run(initialChatState(ME, active), { type: "roomsLoaded", rooms: [general, withJoe], lastRead: {} });
}

describe("chat reducer", () => {
  it("first load without a saved read mark counts history as read", () => {
    const s = run(signedIn(null), { type: "historyLoaded", roomId: "1:2", messages: [msg(2, 2, "1:2"), msg(1, 2, "1:2")], hasOlder: false });
    expect(unreadCount(s, s.rooms["1:2"]!)).toBe(0);
    expect(s.rooms["1:2"]!.lastReadId).toBe("2");
  });

  it("a saved read mark makes later messages unread after a reload", () => {
    let s = run(initialChatState(ME, null), { type: "roomsLoaded", rooms: [general], lastRead: { "0": "3" } });
    s = run(s, { type: "historyLoaded", roomId: "0", messages: [msg(5), msg(4), msg(3)], hasOlder: true });
    expect(unreadCount(s, s.rooms["0"]!)).toBe(2);
  });

  it("live messages in a room that is not open count as unread; in the open room they are read", () => {
    let s = run(signedIn("0"),
      { type: "historyLoaded", roomId: "0", messages: [msg(1)], hasOlder: false },
      { type: "historyLoaded", roomId: "1:2", messages: [msg(2, 2, "1:2")], hasOlder: false },
    );
    s = run(s,
      { type: "messagesArrived", roomId: "0", messages: [msg(3)] },
      { type: "messagesArrived", roomId: "1:2", messages: [msg(4, 2, "1:2"), msg(5, 2, "1:2")] },
    );
    expect(unreadCount(s, s.rooms["0"]!)).toBe(0);
    expect(unreadCount(s, s.rooms["1:2"]!)).toBe(2);
  });

  it("opening a room with unread messages places the new-messages divider and clears the count", () => {
    let s = run(signedIn("0"),
      { type: "historyLoaded", roomId: "1:2", messages: [msg(2, 2, "1:2")], hasOlder: false },
      { type: "messagesArrived", roomId: "1:2", messages: [msg(4, 2, "1:2")] },
      { type: "roomOpened", roomId: "1:2" },
    );
    expect(s.rooms["1:2"]!.dividerAfterId).toBe("2");
    expect(unreadCount(s, s.rooms["1:2"]!)).toBe(0);
    s = run(s, { type: "roomOpened", roomId: "0" });
    expect(s.rooms["1:2"]!.dividerAfterId).toBeNull();
  });

  it("messages arriving while the tab is hidden stay unread until it is visible again", () => {
    let s = run(signedIn("0"), { type: "historyLoaded", roomId: "0", messages: [msg(1)], hasOlder: false });
    s = run(s, { type: "visibility", visible: false }, { type: "messagesArrived", roomId: "0", messages: [msg(2)] });
    expect(unreadCount(s, s.rooms["0"]!)).toBe(1);
    s = run(s, { type: "visibility", visible: true });
    expect(unreadCount(s, s.rooms["0"]!)).toBe(0);
    expect(s.rooms["0"]!.dividerAfterId).toBe("1");
  });

  it("a room someone opens with me starts with their messages unread", () => {
    const s = run(signedIn("0"),
      { type: "roomAdded", room: { id: "1:3", names: ["Pablo", "Mary"] } },
      { type: "messagesArrived", roomId: "1:3", messages: [msg(9, 3, "1:3")] },
    );
    expect(unreadCount(s, s.rooms["1:3"]!)).toBe(1);
  });

  it("an acknowledged send replaces the pending entry with the stored message exactly once", () => {
    const pending = { clientId: "c1", roomId: "0", text: "hi", status: "pending" as const, createdAt: Date.now() };
    let s = run(signedIn("0"), { type: "sendStarted", pending });
    const stored = msg(10, ME.id, "0", "hi", Math.floor(Date.now() / 1000));
    s = run(s, { type: "messagesArrived", roomId: "0", messages: [stored] }, { type: "sendSucceeded", clientId: "c1", message: stored });
    expect(s.pending).toEqual({});
    expect(s.rooms["0"]!.messages.map((m) => m.id)).toEqual(["10"]);
  });

  it("the ack of one send does not settle another pending message with the same text", () => {
    const now = Date.now();
    let s = run(signedIn("0"),
      { type: "sendStarted", pending: { clientId: "a", roomId: "0", text: "ok", status: "pending", createdAt: now } },
      { type: "sendStarted", pending: { clientId: "b", roomId: "0", text: "ok", status: "pending", createdAt: now + 1 } },
    );
    s = run(s, { type: "sendSucceeded", clientId: "a", message: msg(11, ME.id, "0", "ok", Math.floor(now / 1000)) });
    expect(Object.keys(s.pending)).toEqual(["b"]);
  });

  it("a failed send can be retried and stays keyed by the same clientId", () => {
    const pending = { clientId: "c9", roomId: "0", text: "again", status: "pending" as const, createdAt: Date.now() };
    let s = run(signedIn("0"), { type: "sendStarted", pending }, { type: "sendFailed", clientId: "c9", error: "offline" });
    expect(s.pending.c9!.status).toBe("failed");
    s = run(s, { type: "sendRetried", clientId: "c9" });
    expect(s.pending.c9).toMatchObject({ clientId: "c9", status: "pending", text: "again" });
  });

  it("presence changes update who is online and put nothing in General's timeline", () => {
    let s = run(signedIn("0"), { type: "usersLoaded", users: [{ id: 2, username: "Joe", online: false }] });
    s = run(s, { type: "presence", at: 1_800_000_000_000, users: [{ id: 2, username: "Joe", online: true }] });
    s = run(s, { type: "presence", at: 1_800_000_002_000, users: [{ id: 2, username: "Joe", online: false }] });
    expect(s.users[2]!.online).toBe(false);
    expect(s.rooms["0"]?.messages ?? []).toEqual([]);
  });

  it("the connection banner knows a drop after the first connect from the first connect itself", () => {
    let s = signedIn();
    expect(s.everConnected).toBe(false);
    s = run(s, { type: "connection", status: "online" }, { type: "connection", status: "offline" });
    expect(s).toMatchObject({ connection: "offline", everConnected: true });
  });
});

describe("chat reducer: the new-messages divider of the room a page loads onto", () => {
  /** General as the server lists it: read up to `lastRead`, `unread` messages after it. */
  const listedGeneral = (lastRead: string | null, unread: number): ChatAction =>
    ({ type: "roomsLoaded", lastRead: {}, rooms: [{ id: "0", names: ["General"], name: "General", kind: "general", lastRead, unread }] });
  const page = (...ids: number[]): ChatAction =>
    ({ type: "historyLoaded", roomId: "0", messages: ids.map((id) => msg(id)), hasOlder: false });

  it("a page loaded onto a room with unread messages puts the divider above the first unread one, then reads the room", () => {
    let s = run(initialChatState(ME, "0"), listedGeneral("3", 2));
    // Not read before its messages are in: the divider still has to find the first unread one.
    expect(unreadCount(s, s.rooms["0"]!)).toBe(2);
    s = run(s, page(5, 4, 3, 2));
    expect(s.rooms["0"]!.dividerAfterId).toBe("3");
    expect(unreadCount(s, s.rooms["0"]!)).toBe(0);
    expect(readToSend(s.rooms["0"]!)).toBe("5");
  });

  it("the read state arriving after the room's first page still places the divider, and only then is the room read", () => {
    // A live message brought General before its listing; its first page came next.
    let s = run(initialChatState(ME, "0"),
      { type: "roomAdded", room: { id: "0", names: [] } },
      { type: "messagesArrived", roomId: "0", messages: [msg(6)], live: true },
      page(5, 4, 3),
    );
    expect(s.rooms["0"]!).toMatchObject({ loaded: true, dividerAfterId: null, lastReadId: null });
    expect(s.dividerDue).toBe("0");
    s = run(s, listedGeneral("3", 3));
    expect(s.rooms["0"]!).toMatchObject({ dividerAfterId: "3", lastReadId: "6" });
    expect(s.dividerDue).toBeNull();
    expect(unreadCount(s, s.rooms["0"]!)).toBe(0);
  });

  it("the server saying nothing is unread gives no divider, and messages read as they come add none", () => {
    let s = run(initialChatState(ME, "0"), listedGeneral("5", 0), page(5, 4));
    expect(s.rooms["0"]!.dividerAfterId).toBeNull();
    s = run(s, { type: "messagesArrived", roomId: "0", messages: [msg(6), msg(7)], live: true });
    expect(s.rooms["0"]!).toMatchObject({ dividerAfterId: null, lastReadId: "7" });
  });

  it("messages arriving while the reader reads below the divider neither move it nor stay unread", () => {
    let s = run(initialChatState(ME, "0"), listedGeneral("3", 1), page(4, 3));
    s = run(s, { type: "messagesArrived", roomId: "0", messages: [msg(5)], live: true });
    expect(s.rooms["0"]!).toMatchObject({ dividerAfterId: "3", lastReadId: "5" });
  });

  it("a page loaded in a hidden tab places the divider but leaves the room unread until the tab is looked at", () => {
    let s = run(initialChatState(ME, "0", false), listedGeneral("3", 2), page(5, 4, 3));
    expect(s.rooms["0"]!.dividerAfterId).toBe("3");
    expect(unreadCount(s, s.rooms["0"]!)).toBe(2);
    s = run(s, { type: "visibility", visible: true });
    expect(s.rooms["0"]!.dividerAfterId).toBe("3");
    expect(unreadCount(s, s.rooms["0"]!)).toBe(0);
  });

  it("coming back to the tab, the divider moves from where the room opened to the first message that came while away", () => {
    let s = run(initialChatState(ME, "0"), listedGeneral("3", 1), page(4, 3));
    expect(s.rooms["0"]!.dividerAfterId).toBe("3");
    s = run(s, { type: "visibility", visible: false }, { type: "messagesArrived", roomId: "0", messages: [msg(5), msg(6)], live: true });
    expect(s.rooms["0"]!.dividerAfterId).toBe("3");
    s = run(s, { type: "visibility", visible: true });
    expect(s.rooms["0"]!).toMatchObject({ dividerAfterId: "4", lastReadId: "6" });
    // Away again with nothing new: the divider stays where the news started.
    s = run(s, { type: "visibility", visible: false }, { type: "visibility", visible: true });
    expect(s.rooms["0"]!.dividerAfterId).toBe("4");
  });

  it("a room opened before its first page came (a phone, right after signing in) gets its divider when the page comes", () => {
    let s = run(initialChatState(ME, null), listedGeneral("3", 2), { type: "roomOpened", roomId: "0" });
    expect(unreadCount(s, s.rooms["0"]!)).toBe(2);
    s = run(s, page(5, 4, 3));
    expect(s.rooms["0"]!.dividerAfterId).toBe("3");
    expect(unreadCount(s, s.rooms["0"]!)).toBe(0);
  });

  it("a room left before its first page came stays unread, with no divider", () => {
    let s = run(initialChatState(ME, "0"), listedGeneral("3", 2), { type: "roomOpened", roomId: null }, page(5, 4, 3));
    expect(s.dividerDue).toBeNull();
    expect(s.rooms["0"]!.dividerAfterId).toBeNull();
    expect(unreadCount(s, s.rooms["0"]!)).toBe(2);
  });
});

describe("online snapshot", () => {
  it("after a reconnect, people missing from the online list are shown offline", () => {
    let s = run(signedIn(), { type: "usersLoaded", users: [{ id: 2, username: "Joe", online: true }, { id: 3, username: "Mary", online: true }] });
    s = run(s, { type: "onlineSnapshot", users: [{ id: 3, username: "Mary", online: true }] });
    expect(s.users[2]!.online).toBe(false);
    expect(s.users[3]!.online).toBe(true);
    expect(s.users[1]!.online).toBe(true);
  });
});

describe("chat reducer: the outbox", () => {
  const typed = (clientId: string, text: string, createdAt: number) =>
    ({ type: "sendStarted", pending: { clientId, roomId: "0", text, status: "pending", createdAt } }) as const;

  it("a rate-limited message is deferred, still pending (not failed), and then stored once", () => {
    let s = run(signedIn(), typed("c1", "hello", 1000));
    s = run(s, { type: "sendDeferred", clientId: "c1", retryAt: 5000, why: "rate-limit" });
    expect(s.pending.c1).toMatchObject({ status: "pending", retryAt: 5000, waiting: "rate-limit" });
    s = run(s, { type: "sendSucceeded", clientId: "c1", message: { ...msg(9, ME.id, "0"), message: "hello" } });
    expect(s.pending).toEqual({});
    expect(s.rooms["0"]!.messages.filter((m) => m.message === "hello")).toHaveLength(1);
  });

  it("messages kept from an ended session are restored as pending, without replacing what is already there", () => {
    let s = run(signedIn(), typed("c1", "typed now", 2000));
    s = run(s, {
      type: "outboxRestored",
      pending: {
        c0: { clientId: "c0", roomId: "0", text: "typed before the session ended", status: "pending", createdAt: 1000 },
        c1: { clientId: "c1", roomId: "0", text: "stale copy", status: "failed", createdAt: 2000 },
      },
    });
    expect(s.pending.c0).toMatchObject({ status: "pending", text: "typed before the session ended" });
    expect(s.pending.c1).toMatchObject({ status: "pending", text: "typed now" });
  });
});

describe("chat reducer: a window of older history (a permalink)", () => {
  it("shows the page around the message, takes no live message past its end, and joins the live end once newer pages reach it", () => {
    let s = run(signedIn("0"), { type: "historyLoaded", roomId: "0", messages: [msg(100), msg(99)], hasOlder: true });
    s = run(s, { type: "historyAround", roomId: "0", messages: [msg(12), msg(11), msg(10)], hasOlder: true, hasNewer: true });
    expect(s.rooms["0"]!.messages.map((m) => m.id)).toEqual(["10", "11", "12"]);
    expect(s.rooms["0"]!.hasNewer).toBe(true);
    // A live message beyond the window would leave a gap: it comes with the newer pages instead.
    s = run(s, { type: "messagesArrived", roomId: "0", messages: [msg(101)] });
    expect(s.rooms["0"]!.messages.map((m) => m.id)).toEqual(["10", "11", "12"]);
    s = run(s, { type: "newerLoaded", roomId: "0", messages: [msg(13), msg(99), msg(100), msg(101)], hasNewer: false });
    expect(s.rooms["0"]!.hasNewer).toBe(false);
    s = run(s, { type: "messagesArrived", roomId: "0", messages: [msg(102)] });
    expect(s.rooms["0"]!.messages.map((m) => m.id)).toEqual(["10", "11", "12", "13", "99", "100", "101", "102"]);
  });

  it("a page around a message that reaches the newest joins what is loaded", () => {
    let s = run(signedIn("0"), { type: "historyLoaded", roomId: "0", messages: [msg(100), msg(99)], hasOlder: true });
    s = run(s, { type: "historyAround", roomId: "0", messages: [msg(100), msg(99), msg(98)], hasOlder: true, hasNewer: false });
    expect(s.rooms["0"]!.messages.map((m) => m.id)).toEqual(["98", "99", "100"]);
    s = run(s, { type: "presentLoaded", roomId: "0", messages: [msg(101), msg(100)], hasOlder: true });
    expect(s.rooms["0"]!.messages.map((m) => m.id)).toEqual(["100", "101"]);
  });
});
