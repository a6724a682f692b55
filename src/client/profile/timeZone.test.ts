import { describe, expect, it } from "vitest";
import { zoneToFillIn } from "./timeZone.js";

describe("time zone from the device", () => {
  it("a profile without a time zone takes the device's", () => {
    expect(zoneToFillIn("", "Europe/Paris")).toBe("Europe/Paris");
  });

  it("a time zone already chosen stays, even on a device elsewhere", () => {
    expect(zoneToFillIn("America/New_York", "Europe/Paris")).toBeNull();
  });

  it("a device naming no usable zone changes nothing", () => {
    expect(zoneToFillIn("", "")).toBeNull();
  });
});
