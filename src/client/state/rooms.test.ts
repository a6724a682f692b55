import { describe, expect, it } from "vitest";
import { groupMembers, roomKind, roomTitle } from "./rooms.js";

describe("room titles and kinds", () => {
  it("a group conversation is called by the other members' names, from the server's joined name", () => {
    const group = { id: "12", names: ["Alex, Mary, Pablo"], name: "Alex, Mary, Pablo", kind: "group" as const };
    expect(groupMembers(group)).toEqual(["Alex", "Mary", "Pablo"]);
    expect(roomTitle(group, "Pablo")).toBe("Alex, Mary");
  });

  it("a named room is called by its name; the kind follows the id when the server gives none", () => {
    expect(roomTitle({ id: "7", names: ["design"], name: "design", kind: "room" }, "Pablo")).toBe("design");
    expect(roomKind({ id: "0" })).toBe("general");
    expect(roomKind({ id: "1:2" })).toBe("private");
    expect(roomKind({ id: "7" })).toBe("room");
    expect(roomTitle({ id: "1:2", names: ["Pablo", "Joe"] }, "Pablo")).toBe("Joe");
  });
});
