import { describe, expect, it } from "vitest";
import { avatarHue, initials } from "./avatar.js";
import { hashForRoom, roomFromHash } from "./route.js";

describe("avatars and routes", () => {
  it("the same name always gets the same colour, whatever its case", () => {
    expect(avatarHue("Mary")).toBe(avatarHue("mary"));
    expect(avatarHue("Mary")).toBeGreaterThanOrEqual(0);
    expect(avatarHue("Mary")).toBeLessThan(360);
  });

  it("initials take two letters of one word or the first letters of two", () => {
    expect(initials("pablo")).toBe("PA");
    expect(initials("mary_jane")).toBe("MJ");
    expect(initials("")).toBe("?");
  });

  it("a room id survives the round trip through the URL hash", () => {
    expect(roomFromHash(hashForRoom("1:2"))).toBe("1:2");
    expect(roomFromHash(hashForRoom(null))).toBeNull();
    expect(roomFromHash("#/room/<script>")).toBeNull();
  });
});
