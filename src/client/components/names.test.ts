import { describe, expect, it } from "vitest";
import { chatReducer, initialChatState, type ChatState } from "../state/chat.js";
import { displayRoomTitle } from "./names.js";

const ME = { id: 1, username: "Pablo" };

function withGroup(users: ChatState["users"]): ChatState {
  const s = chatReducer(initialChatState(ME, null), { type: "roomsLoaded", lastRead: {}, rooms: [
    { id: "12", names: ["Alex, Mary, Pablo"], name: "Alex, Mary, Pablo", kind: "group", lastRead: null, unread: 0 },
  ] });
  return { ...s, users: { ...s.users, ...users } };
}

describe("room titles as shown", () => {
  it("a group is called by the other members' display names, as people are everywhere else", () => {
    const s = withGroup({ 2: { id: 2, username: "Alex", online: false, displayName: "Alex Turner" } });
    expect(displayRoomTitle(s.rooms["12"]!, s)).toBe("Alex Turner, Mary");
  });

  it("a member not known yet, or without a display name, is called by their username", () => {
    const s = withGroup({ 3: { id: 3, username: "mary", online: true } });
    expect(displayRoomTitle(s.rooms["12"]!, s)).toBe("Alex, mary");
    const later = { ...s, users: { ...s.users, 3: { id: 3, username: "mary", online: true, displayName: "Mary Poppins" } } };
    expect(displayRoomTitle(later.rooms["12"]!, later)).toBe("Alex, Mary Poppins");
  });
});
