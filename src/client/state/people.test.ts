import { describe, expect, it } from "vitest";
import { chatReducer, initialChatState } from "./chat.js";
import { isBanned, isDeactivated, listPeople, peopleReducer, unlisted, type PeopleSlice } from "./people.js";

const ME = 1;
const empty: PeopleSlice = { users: { 1: { id: 1, username: "Pablo", online: true } }, banned: [], deactivated: [] };

describe("people slice", () => {
  it("loaded users are merged by id, and loading nobody changes nothing", () => {
    const s = peopleReducer(empty, { type: "usersLoaded", users: [{ id: 2, username: "Joe", online: false }] }, ME);
    expect(s.users[2]!.username).toBe("Joe");
    expect(peopleReducer(s, { type: "usersLoaded", users: [] }, ME)).toBe(s);
  });

  it("presence changes who is online and keeps the display name; it adds no line to any timeline", () => {
    let s = peopleReducer(empty, { type: "usersLoaded", users: [{ id: 2, username: "Joe", online: false, displayName: "Joe Bloggs" }] }, ME);
    s = peopleReducer(s, { type: "presence", at: 1_800_000_000_000, users: [{ id: 2, username: "Joe", online: true }] }, ME);
    expect(s.users[2]).toEqual({ id: 2, username: "Joe", online: true, displayName: "Joe Bloggs" });
    expect(Object.keys(s).sort()).toEqual(["banned", "deactivated", "users"]);
  });

  it("a person coming online keeps their display name and picture (presence carries neither)", () => {
    let s = peopleReducer(empty, { type: "usersLoaded", users: [{ id: 3, username: "carol", online: false, displayName: "Carol Chen", avatarUrl: "/users/3/avatar?v=1" }] }, ME);
    s = peopleReducer(s, { type: "presence", at: 1_800_000_000_000, users: [{ id: 3, username: "carol", online: true }] }, ME);
    expect(s.users[3]).toEqual({ id: 3, username: "carol", online: true, displayName: "Carol Chen", avatarUrl: "/users/3/avatar?v=1" });
  });

  it("presence of someone not known yet records no profile-less person (they are fetched whole)", () => {
    const s = peopleReducer(empty, { type: "presence", at: 1_800_000_000_000, users: [{ id: 4, username: "dave", online: true }] }, ME);
    expect(s).toBe(empty);
  });

  it("an online snapshot marks everyone missing from it offline except me, without touching me", () => {
    let s = peopleReducer(empty, { type: "usersLoaded", users: [{ id: 2, username: "Joe", online: true }, { id: 3, username: "Mary", online: true }] }, ME);
    s = peopleReducer(s, { type: "onlineSnapshot", users: [{ id: 3, username: "Mary", online: true }] }, ME);
    expect([s.users[1]!.online, s.users[2]!.online, s.users[3]!.online]).toEqual([true, false, true]);
  });

  it("the people list leaves me out, filters by name and puts online people first", () => {
    const users = [
      { id: 1, username: "Pablo", online: true },
      { id: 2, username: "joe", online: false },
      { id: 3, username: "Joanna", online: true },
      { id: 4, username: "Mary", online: true },
    ];
    expect(listPeople(users, ME).map((u) => u.username)).toEqual(["Joanna", "Mary", "joe"]);
    expect(listPeople(users, ME, " JO ").map((u) => u.username)).toEqual(["Joanna", "joe"]);
  });

  it("a banned person leaves the people list, and comes back when the ban is lifted", () => {
    const users = [{ id: 2, username: "Joe", online: true }];
    let s = peopleReducer(empty, { type: "userBanned", userId: 2, banned: true }, ME);
    expect(listPeople(users, ME, "", s.banned)).toEqual([]);
    expect(peopleReducer(s, { type: "userBanned", userId: 2, banned: true }, ME)).toBe(s);
    s = peopleReducer(s, { type: "userBanned", userId: 2, banned: false }, ME);
    expect(listPeople(users, ME, "", s.banned)).toHaveLength(1);
  });

  it("a profile change updates names but not whether a known person is online: presence alone says that (so 'X is online' is told)", () => {
    let s = peopleReducer(empty, { type: "usersLoaded", users: [{ id: 2, username: "dave", online: false }] }, ME);
    s = peopleReducer(s, { type: "profileSeen", user: { id: 2, username: "dave", online: true, displayName: "Dave D" } }, ME);
    expect(s.users[2]).toEqual({ id: 2, username: "dave", online: false, displayName: "Dave D" });
    s = peopleReducer(s, { type: "profileSeen", user: { id: 3, username: "erin", online: true } }, ME);
    expect(s.users[3]?.online).toBe(true);
  });

  it("a deactivation marks the person and a reactivation takes the mark away; seeing the same again changes nothing", () => {
    let s = peopleReducer(empty, { type: "deactivationSeen", users: [{ id: 2, deactivated: true }, { id: 3, deactivated: false }] }, ME);
    expect(isDeactivated(s, 2)).toBe(true);
    expect(isDeactivated(s, 3)).toBe(false);
    expect(peopleReducer(s, { type: "deactivationSeen", users: [{ id: 2, deactivated: true }, { id: 3 }] }, ME)).toBe(s);
    s = peopleReducer(s, { type: "deactivationSeen", users: [{ id: 2, deactivated: false }] }, ME);
    expect(isDeactivated(s, 2)).toBe(false);
  });

  it("deactivated and banned people are both left out of the people list, each coming back on their own", () => {
    const users = [{ id: 2, username: "dave", online: false }, { id: 3, username: "erin", online: false }];
    let s = peopleReducer(empty, { type: "deactivationSeen", users: [{ id: 2, deactivated: true }] }, ME);
    s = peopleReducer(s, { type: "userBanned", userId: 3, banned: true }, ME);
    expect(listPeople(users, ME, "", unlisted(s))).toEqual([]);
    s = peopleReducer(s, { type: "deactivationSeen", users: [{ id: 2, deactivated: false }] }, ME);
    expect(listPeople(users, ME, "", unlisted(s)).map((u) => u.id)).toEqual([2]);
  });

  it("room members seed who is deactivated: the details of a room, and a member added live", () => {
    let state = initialChatState({ id: ME, username: "Pablo" }, null);
    state = chatReducer(state, { type: "detailsLoaded", details: {
      id: "g1", name: "", topic: "", visibility: "closed", kind: "group", ownerId: 1, memberCount: 3, canManage: false,
      members: [{ id: 1, username: "Pablo", online: true, role: "member" }, { id: 2, username: "dave", online: false, role: "member", deactivated: true }, { id: 3, username: "erin", online: false, role: "member" }],
    } });
    expect(state.deactivated).toEqual([2]);
    state = chatReducer(state, { type: "memberAdded", event: { roomId: "g1", memberCount: 4, member: { id: 4, username: "finn", online: false, role: "member", deactivated: true } } });
    expect([...state.deactivated].sort()).toEqual([2, 4]);
  });

  it("room members seed who is banned (marked among members, left out of the people list); a member listed again unbanned loses the mark", () => {
    let state = initialChatState({ id: ME, username: "Pablo" }, null);
    const details = (banned: boolean) => ({
      id: "r1", name: "leads", topic: "", visibility: "closed" as const, kind: "room" as const, ownerId: 1, memberCount: 2, canManage: true,
      members: [{ id: 1, username: "Pablo", online: true, role: "member" as const }, { id: 5, username: "carol", online: false, role: "member" as const, ...(banned ? { banned: true } : {}) }],
    });
    state = chatReducer(state, { type: "detailsLoaded", details: details(true) });
    expect(isBanned(state, 5)).toBe(true);
    expect(unlisted(state)).toEqual([5]);
    state = chatReducer(state, { type: "detailsLoaded", details: details(false) });
    expect(isBanned(state, 5)).toBe(false);
  });
});
