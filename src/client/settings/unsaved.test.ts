import { describe, expect, it } from "vitest";
import { unsavedProfileChanges, unsavedSentence, type ProfileFields } from "./unsaved.js";

const saved: ProfileFields = { displayName: "Pablo P.", title: "Ops", status: "", statusHours: "", timeZone: "Europe/Paris" };

describe("what the profile form holds unsaved", () => {
  it("is nothing when the fields are as saved and no picture was chosen", () => {
    expect(unsavedProfileChanges(saved, { ...saved }, false)).toEqual([]);
  });

  it("names a chosen picture first, then each edited field", () => {
    expect(unsavedProfileChanges(saved, { ...saved, title: "SRE", timeZone: "" }, true)).toEqual(["new picture", "title", "time zone"]);
  });

  it("says it as one sentence", () => {
    expect(unsavedSentence(["new picture"])).toBe("Your new picture is not saved.");
    expect(unsavedSentence(["status"])).toBe("Your status is not saved.");
    expect(unsavedSentence(["new picture", "display name"])).toBe("Your new picture and display name are not saved.");
    expect(unsavedSentence(["new picture", "title", "time zone"])).toBe("Your new picture, title and time zone are not saved.");
  });
});
