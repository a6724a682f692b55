import { describe, expect, it } from "vitest";
import { avatarHue, avatarStyle, initials } from "./avatar.js";
import { hashForRoom, roomFromHash } from "./route.js";

describe("avatars and routes", () => {
  it("the same name always gets the same colour, whatever its case", () => {
    expect(avatarHue("Mary")).toBe(avatarHue("mary"));
    expect(avatarHue("Mary")).toBeGreaterThanOrEqual(0);
    expect(avatarHue("Mary")).toBeLessThan(360);
    expect(avatarStyle("Design")).toEqual(avatarStyle("design"));
    expect(avatarStyle(42)).toEqual(avatarStyle(42));
  });

  it("initials take two letters of one word or the first letters of two", () => {
    expect(initials("pablo")).toBe("PA");
    expect(initials("mary_jane")).toBe("MJ");
    expect(initials("")).toBe("?");
  });

  it("50 people with the same initials get 50 different avatars", () => {
    const people = Array.from({ length: 50 }, (_, i) => ({ id: 1000 + i * 3, name: `Jo${"abcdefghij"[i % 10]}${i}` }));
    expect(new Set(people.map((p) => initials(p.name))).size).toBe(1);
    const looks = people.map((p) => JSON.stringify(avatarStyle(p.id)));
    expect(new Set(looks).size).toBe(50);
  });

  it("two people with neighbouring ids differ in colour, not only in pattern", () => {
    for (let id = 1; id < 300; id++) expect(avatarStyle(id).hue).not.toBe(avatarStyle(id + 1).hue);
  });

  it("a room id survives the round trip through the URL hash", () => {
    expect(roomFromHash(hashForRoom("1:2"))).toBe("1:2");
    expect(roomFromHash(hashForRoom(null))).toBeNull();
    expect(roomFromHash("#/room/<script>")).toBeNull();
  });
});
