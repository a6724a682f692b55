import { describe, expect, it } from "vitest";
import { currentZoneName, utcOffset, zoneChoices } from "./zoneChoices.js";

const JUNE = new Date("2026-06-15T12:00:00Z");

describe("time zones offered in Settings", () => {
  it("a zone the browser lists by a since-changed name is offered by its current one", () => {
    expect(currentZoneName("Asia/Calcutta")).toBe("Asia/Kolkata");
    expect(currentZoneName("Europe/Kiev")).toBe("Europe/Kyiv");
    expect(currentZoneName("Europe/Paris")).toBe("Europe/Paris");
  });

  it("each zone is labelled by its place and its offset, so typing the place's first letters finds it", () => {
    const [asia] = zoneChoices(["Asia/Calcutta"], JUNE);
    expect(asia).toEqual({ region: "Asia", zones: [{ value: "Asia/Kolkata", label: "Kolkata (UTC+05:30)" }] });
    expect(zoneChoices(["America/Buenos_Aires"], JUNE)[0]!.zones[0]!.label).toBe("Buenos Aires (UTC-03:00)");
  });

  it("zones are grouped by region in order, each sorted by place, zones with no region last", () => {
    const groups = zoneChoices(["UTC", "Europe/Paris", "Asia/Tokyo", "Europe/Berlin"], JUNE);
    expect(groups.map((g) => g.region)).toEqual(["Asia", "Europe", "Other"]);
    expect(groups[1]!.zones.map((z) => z.value)).toEqual(["Europe/Berlin", "Europe/Paris"]);
    expect(groups[2]!.zones).toEqual([{ value: "UTC", label: "UTC" }]);
  });

  it("an old and a current name for one zone are offered once", () => {
    expect(zoneChoices(["Europe/Kiev", "Europe/Kyiv"], JUNE)[0]!.zones).toHaveLength(1);
  });

  it("the offset follows summer time on the given day", () => {
    expect(utcOffset("Europe/Paris", JUNE)).toBe("UTC+02:00");
    expect(utcOffset("Europe/Paris", new Date("2026-01-15T12:00:00Z"))).toBe("UTC+01:00");
    expect(utcOffset("Europe/London", new Date("2026-01-15T12:00:00Z"))).toBe("UTC");
  });

  it("a name the engine cannot use is left out rather than breaking the list", () => {
    expect(zoneChoices(["Mars/Olympus_Mons", "Europe/Paris"], JUNE).flatMap((g) => g.zones.map((z) => z.value))).toEqual(["Europe/Paris"]);
  });
});
