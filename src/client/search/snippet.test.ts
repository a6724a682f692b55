import { describe, expect, it } from "vitest";
import { snippet } from "./Highlight.js";

describe("a search result's snippet", () => {
  it("shows a short message whole, its ranges unchanged", () => {
    expect(snippet("the deploy is done", [[4, 10]])).toEqual({ text: "the deploy is done", ranges: [[4, 10]] });
  });
  it("shows a long message from a word before its first match, with the ranges moved along", () => {
    const text = `${"filler ".repeat(40)}the deploy is done ${"after ".repeat(60)}`;
    const at = text.indexOf("deploy");
    const shown = snippet(text, [[at, at + 6]]);
    expect(shown.text.startsWith("… filler")).toBe(true);
    expect(shown.text.endsWith("after …")).toBe(true);
    const [[from, to]] = shown.ranges as [[number, number]];
    expect(shown.text.slice(from, to)).toBe("deploy");
    expect(shown.text.length).toBeLessThanOrEqual(290);
  });
});
