import { describe, expect, it } from "vitest";
import type { DirectoryRoom, RoomDetails } from "../../protocol/index.js";
import { directoryReducer, filterDirectory, initialDirectory } from "./directory.js";
import { detailsReducer, sortMembers } from "./roomDetails.js";

const design: RoomDetails = {
  id: "7", name: "design", topic: "", visibility: "open", kind: "room", ownerId: 1, memberCount: 2, canManage: true,
  members: [{ id: 1, username: "Pablo", online: true, role: "admin" }, { id: 2, username: "Joe", online: false, role: "member" }],
};

describe("room details slice", () => {
  it("member events keep the members panel and the count right", () => {
    let s = detailsReducer({}, { type: "detailsLoaded", details: design });
    s = detailsReducer(s, { type: "memberAdded", event: { roomId: "7", memberCount: 3, member: { id: 3, username: "Mary", online: true, role: "member" } } });
    expect(s["7"]!.members.map((m) => m.username)).toEqual(["Pablo", "Joe", "Mary"]);
    s = detailsReducer(s, { type: "memberRemoved", event: { roomId: "7", userId: 2, memberCount: 2, reason: "removed" } });
    expect(s["7"]).toMatchObject({ memberCount: 2 });
    expect(s["7"]!.members.map((m) => m.id)).toEqual([1, 3]);
  });

  it("a rename updates name, topic and visibility; events for unknown rooms change nothing", () => {
    let s = detailsReducer({}, { type: "detailsLoaded", details: design });
    s = detailsReducer(s, { type: "detailsUpdated", event: { roomId: "7", name: "Design", topic: "pixels", visibility: "closed" } });
    expect(s["7"]).toMatchObject({ name: "Design", topic: "pixels", visibility: "closed" });
    expect(detailsReducer(s, { type: "detailsUpdated", event: { roomId: "9", name: "x", topic: "", visibility: "open" } })).toBe(s);
    expect(detailsReducer(s, { type: "detailsDropped", roomId: "7" })).toEqual({});
  });

  it("the owner comes first in the members panel, then online people", () => {
    const members = [{ id: 3, username: "Al", online: false }, { id: 2, username: "Zed", online: true }, { id: 1, username: "Bo", online: false }];
    expect(sortMembers(members, 1).map((m) => m.id)).toEqual([1, 2, 3]);
  });
});

describe("directory slice", () => {
  const rooms: DirectoryRoom[] = [
    { id: "7", name: "design", topic: "pixels", visibility: "open", memberCount: 2, joined: false },
    { id: "8", name: "random", topic: "", visibility: "open", memberCount: 9, joined: true },
  ];

  it("joining marks the room joined and counts me once", () => {
    let s = directoryReducer(initialDirectory, { type: "loaded", rooms, next: null });
    s = directoryReducer(s, { type: "joinStarted", roomId: "7" });
    expect(s.joining).toEqual(["7"]);
    s = directoryReducer(s, { type: "joined", roomId: "7" });
    s = directoryReducer(s, { type: "joined", roomId: "7" });
    expect(s.rooms[0]).toMatchObject({ joined: true, memberCount: 3 });
    expect(s.joining).toEqual([]);
  });

  it("a failed join says why and frees the button", () => {
    let s = directoryReducer(initialDirectory, { type: "joinStarted", roomId: "7" });
    s = directoryReducer(s, { type: "joinFailed", roomId: "7", error: "closed" });
    expect(s).toMatchObject({ joining: [], error: "closed" });
  });

  it("the filter matches name or topic, in the server's order (newest activity first)", () => {
    expect(filterDirectory(rooms, "").map((r) => r.id)).toEqual(["7", "8"]);
    expect(filterDirectory(rooms, "PIX").map((r) => r.id)).toEqual(["7"]);
  });

  it("more rooms go below the first page, each once, until the server has no next page", () => {
    let s = directoryReducer(initialDirectory, { type: "loaded", rooms, next: "12.5:7" });
    s = directoryReducer(s, { type: "moreLoading" });
    expect(s.loadingMore).toBe(true);
    const more: DirectoryRoom[] = [{ ...rooms[1]! }, { id: "3", name: "old", topic: "", visibility: "open", memberCount: 1, joined: false }];
    s = directoryReducer(s, { type: "moreLoaded", rooms: more, next: null });
    expect(s.rooms.map((r) => r.id)).toEqual(["7", "8", "3"]);
    expect(s).toMatchObject({ next: null, loadingMore: false });
    // A new query starts from its first page.
    expect(directoryReducer(s, { type: "loading" })).toMatchObject({ next: null, loadingMore: false });
  });
});
