import { describe, expect, it } from "vitest";
import { remaining } from "./SettingsDialog.js";

describe("the time left before a status clears", () => {
  const now = 1_000_000_000_000;
  it("says hours and minutes, rounding up to the minute", () => {
    expect(remaining(now + 4 * 3_600_000 - 60_000, now)).toBe("in 3 h 59 min");
    expect(remaining(now + 4 * 3_600_000, now)).toBe("in 4 h");
    expect(remaining(now + 25 * 60_000, now)).toBe("in 25 min");
    expect(remaining(now + 1_000, now)).toBe("in 1 min");
  });
});
