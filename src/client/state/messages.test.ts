import { describe, expect, it } from "vitest";
import { compareMessageIds } from "./ids.js";
import { mergeMessages, newMessages } from "./messages.js";
import { msg } from "./test-helpers.js";

const ids = (list: readonly { id: string }[]) => list.map((m) => m.id);

describe("message ids", () => {
  it("compares ids longer than a safe integer by length then digits", () => {
    expect(compareMessageIds("9", "10")).toBeLessThan(0);
    expect(compareMessageIds("17000000000000000001", "17000000000000000002")).toBeLessThan(0);
    expect(compareMessageIds("123", "123")).toBe(0);
  });

  it("orders a seed message's disambiguated id after the plain id of its second and before the next microsecond", () => {
    expect(compareMessageIds("1615480369000000", "1615480369000000-0a0a0a0a0a0a")).toBeLessThan(0);
    expect(compareMessageIds("1615480369000000-0a0a0a0a0a0a", "1615480369000000-0b0b0b0b0b0b")).toBeLessThan(0);
    expect(compareMessageIds("1615480369000000-ffffffffffff", "1615480369000001")).toBeLessThan(0);
  });
});

describe("seed messages sharing a second", () => {
  it("stay two messages, in id order, whichever arrives first (live or from history)", () => {
    const a = { ...msg(1), id: "1615480369000000-0a0a0a0a0a0a", message: "first" };
    const b = { ...msg(2), id: "1615480369000000-0b0b0b0b0b0b", message: "second" };
    const merged = mergeMessages(mergeMessages([], [b]), [b, a]);
    expect(merged.map((m) => m.message)).toEqual(["first", "second"]);
    expect(newMessages(merged, [a, b])).toEqual([]);
  });
});

describe("mergeMessages", () => {
  it("merging a catch-up page twice keeps each message once", () => {
    const base = [msg(1), msg(2)];
    const page = [msg(3), msg(4), msg(5)];
    const once = mergeMessages(base, page);
    const twice = mergeMessages(once, page);
    expect(ids(twice)).toEqual(["1", "2", "3", "4", "5"]);
    expect(twice).toBe(once);
  });

  it("a newest-first history page lands oldest first before what is already there", () => {
    const live = [msg(10), msg(11)];
    const olderPage = [msg(9), msg(8), msg(7)];
    expect(ids(mergeMessages(live, olderPage))).toEqual(["7", "8", "9", "10", "11"]);
  });

  it("overlapping pages and a live batch interleave in id order without duplicates", () => {
    const first = mergeMessages([], [msg(5), msg(4), msg(3)]);
    const live = mergeMessages(first, [msg(6), msg(5)]);
    const catchUp = mergeMessages(live, [msg(4), msg(6), msg(7), msg(8)]);
    expect(ids(catchUp)).toEqual(["3", "4", "5", "6", "7", "8"]);
  });

  it("orders ids of different lengths numerically, not as text", () => {
    expect(ids(mergeMessages([msg(9)], [msg(100), msg(10)]))).toEqual(["9", "10", "100"]);
  });

  it("duplicates inside one incoming batch are kept once", () => {
    expect(ids(mergeMessages([], [msg(2), msg(2), msg(1)]))).toEqual(["1", "2"]);
  });

  it("an empty or fully known batch returns the same list, so nothing re-renders", () => {
    const list = [msg(1)];
    expect(mergeMessages(list, [])).toBe(list);
    expect(mergeMessages(list, [msg(1)])).toBe(list);
  });

  it("newMessages picks only what the room does not hold yet", () => {
    expect(ids(newMessages([msg(1), msg(2)], [msg(2), msg(3), msg(3)]))).toEqual(["3"]);
  });
});
