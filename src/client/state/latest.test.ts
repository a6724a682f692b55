import { describe, expect, it } from "vitest";
import { chatReducer, initialChatState, type ChatAction, type ChatState } from "./chat.js";
import { sortRooms } from "./rooms.js";
import { msg } from "./test-helpers.js";

const ME = { id: 1, username: "Pablo" };

function run(state: ChatState, ...actions: ChatAction[]): ChatState {
  return actions.reduce(chatReducer, state);
}

/** Messages `from`..`to` of General, newest first (as a history page comes). */
function page(from: number, to: number, roomId = "0") {
  const out = [];
  for (let id = to; id >= from; id--) out.push(msg(id, 2, roomId));
  return out;
}

function withGeneral(): ChatState {
  return run(initialChatState(ME, "0"),
    { type: "roomsLoaded", rooms: [{ id: "0", names: ["General"] }, { id: "1:2", names: ["Pablo", "Joe"] }], lastRead: {} },
    { type: "historyLoaded", roomId: "0", messages: page(151, 200), hasOlder: true });
}

describe("a room's latest message, apart from the window of history on screen", () => {
  it("jumping to an old message (a permalink, a search result) leaves the room's latest message as it was", () => {
    const s = run(withGeneral(), { type: "historyAround", roomId: "0", messages: page(1, 21), hasOlder: false, hasNewer: true });
    const room = s.rooms["0"]!;
    expect(room.messages.at(-1)!.id).toBe("21");
    expect(room.latest!.id).toBe("200");
  });

  it("a live message becomes the latest while an older window is shown, without joining the window", () => {
    const s = run(withGeneral(),
      { type: "historyAround", roomId: "0", messages: page(1, 21), hasOlder: false, hasNewer: true },
      { type: "messagesArrived", roomId: "0", messages: [msg(201, 3)] });
    const room = s.rooms["0"]!;
    expect(room.latest).toMatchObject({ id: "201", from: 3 });
    expect(room.messages.some((m) => m.id === "201")).toBe(false);
  });

  it("older pages of a window do not pass for the latest message when the room's newest is not known yet", () => {
    let s = run(initialChatState(ME, "0"), { type: "roomsLoaded", rooms: [{ id: "0", names: ["General"] }], lastRead: {} },
      { type: "historyAround", roomId: "0", messages: page(50, 70), hasOlder: true, hasNewer: true },
      { type: "historyLoaded", roomId: "0", messages: page(1, 49), hasOlder: false },
      { type: "newerLoaded", roomId: "0", messages: page(71, 120).reverse(), hasNewer: true });
    expect(s.rooms["0"]!.latest).toBeNull();
    // The last newer page reaches the end: its newest is the room's.
    s = run(s, { type: "newerLoaded", roomId: "0", messages: page(121, 130).reverse(), hasNewer: false });
    expect(s.rooms["0"]!.latest!.id).toBe("130");
  });

  it("an edit of the latest message shows in it; its deletion falls back to the one before, or to unknown in an older window", () => {
    let s = run(withGeneral(), { type: "roomChanged", change: { type: "message.updated", seq: "1-1", roomId: "0", message: { ...msg(200), message: "fixed", edited: 1 } } });
    expect(s.rooms["0"]!.latest!.message).toBe("fixed");
    s = run(s, { type: "roomChanged", change: { type: "message.deleted", seq: "1-2", roomId: "0", id: "200" } });
    expect(s.rooms["0"]!.latest!.id).toBe("199");
    s = run(s,
      { type: "historyAround", roomId: "0", messages: page(1, 21), hasOlder: false, hasNewer: true },
      { type: "roomChanged", change: { type: "message.deleted", seq: "1-3", roomId: "0", id: "199" } });
    expect(s.rooms["0"]!.latest).toBeNull();
    // Back to the present: the newest page says again what the latest is.
    s = run(s, { type: "presentLoaded", roomId: "0", messages: page(150, 198), hasOlder: true });
    expect(s.rooms["0"]!.latest!.id).toBe("198");
  });

  it("chats are ordered by their latest message, not by the end of the window shown", () => {
    let s = run(withGeneral(), { type: "roomsLoaded", rooms: [{ id: "7", names: ["design"], kind: "room" }], lastRead: {} },
      { type: "historyLoaded", roomId: "7", messages: [msg(150, 2, "7")], hasOlder: false },
      { type: "historyLoaded", roomId: "1:2", messages: [msg(100, 2, "1:2")], hasOlder: false });
    s = run(s, { type: "historyAround", roomId: "1:2", messages: page(1, 5, "1:2"), hasOlder: false, hasNewer: true },
      { type: "messagesArrived", roomId: "1:2", messages: [msg(300, 2, "1:2")] });
    expect(sortRooms(Object.values(s.rooms)).map((r) => r.id)).toEqual(["0", "1:2", "7"]);
  });
});
