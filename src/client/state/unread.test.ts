import { describe, expect, it } from "vitest";
import { countUnread, pageTitle, totalUnread } from "./unread.js";
import { msg } from "./test-helpers.js";

const ME = 1;

describe("unread counts", () => {
  it("counts only other people's messages after the last read one", () => {
    const messages = [msg(1, 2), msg(2, 3), msg(3, ME), msg(4, 2)];
    expect(countUnread(messages, "1", ME)).toBe(2);
    expect(countUnread(messages, "4", ME)).toBe(0);
  });

  it("with nothing read yet, every message from others is unread", () => {
    expect(countUnread([msg(1, 2), msg(2, ME), msg(3, 4)], null, ME)).toBe(2);
  });

  it("a read mark that compares by number, not text, counts 10 as after 9", () => {
    expect(countUnread([msg(9), msg(10)], "9", ME)).toBe(1);
  });

  it("the page title shows the unread total, capped at 99+", () => {
    expect(pageTitle(0)).toBe("Redis Chat");
    expect(pageTitle(totalUnread([2, 0, 3]))).toBe("(5) Redis Chat");
    expect(pageTitle(150)).toBe("(99+) Redis Chat");
  });
});
