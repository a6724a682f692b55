import { describe, expect, it } from "vitest";
import { listPeople, peopleReducer, type PeopleSlice } from "./people.js";

const ME = 1;
const empty: PeopleSlice = { users: { 1: { id: 1, username: "Pablo", online: true } }, notices: [], banned: [] };

describe("people slice", () => {
  it("loaded users are merged by id, and loading nobody changes nothing", () => {
    const s = peopleReducer(empty, { type: "usersLoaded", users: [{ id: 2, username: "Joe", online: false }] }, ME);
    expect(s.users[2]!.username).toBe("Joe");
    expect(peopleReducer(s, { type: "usersLoaded", users: [] }, ME)).toBe(s);
  });

  it("presence changes give one notice per real change, never for me", () => {
    let s = peopleReducer(empty, { type: "presence", at: 1_800_000_000_000, users: [{ id: 2, username: "Joe", online: true }, { id: ME, username: "Pablo", online: true }] }, ME);
    s = peopleReducer(s, { type: "presence", at: 1_800_000_001_000, users: [{ id: 2, username: "Joe", online: true }] }, ME);
    s = peopleReducer(s, { type: "presence", at: 1_800_000_002_000, users: [{ id: 2, username: "Joe", online: false }] }, ME);
    expect(s.notices.map((n) => [n.text, n.date])).toEqual([["Joe came online", 1_800_000_000], ["Joe went offline", 1_800_000_002]]);
  });

  it("notices are capped at the newest 50", () => {
    let s = empty;
    for (let i = 0; i < 60; i++) s = peopleReducer(s, { type: "presence", at: 1_800_000_000_000 + i, users: [{ id: 2, username: "Joe", online: i % 2 === 0 }] }, ME);
    expect(s.notices).toHaveLength(50);
    expect(s.notices[49]!.id).toContain("1800000000059");
  });

  it("an online snapshot marks everyone missing from it offline except me, without notices", () => {
    let s = peopleReducer(empty, { type: "usersLoaded", users: [{ id: 2, username: "Joe", online: true }, { id: 3, username: "Mary", online: true }] }, ME);
    s = peopleReducer(s, { type: "onlineSnapshot", users: [{ id: 3, username: "Mary", online: true }] }, ME);
    expect([s.users[1]!.online, s.users[2]!.online, s.users[3]!.online]).toEqual([true, false, true]);
    expect(s.notices).toEqual([]);
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
