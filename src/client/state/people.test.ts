import { describe, expect, it } from "vitest";
import { listPeople, peopleReducer, type PeopleSlice } from "./people.js";

const ME = 1;
const empty: PeopleSlice = { users: { 1: { id: 1, username: "Pablo", online: true } }, banned: [] };

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
    expect(Object.keys(s).sort()).toEqual(["banned", "users"]);
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
});
