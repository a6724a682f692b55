import { describe, expect, it } from "vitest";
import { buildTimeline } from "./timeline.js";
import { msg } from "./test-helpers.js";

const day1 = new Date(2027, 0, 10, 12, 0, 0).getTime() / 1000;
const day2 = new Date(2027, 0, 11, 9, 0, 0).getTime() / 1000;

describe("timeline", () => {
  it("puts a day separator before the first message of each day", () => {
    const items = buildTimeline({ messages: [msg(1, 2, "0", "a", day1), msg(2, 2, "0", "b", day1 + 60), msg(3, 2, "0", "c", day2)], dividerAfterId: null, myId: 1 });
    expect(items.map((i) => i.kind)).toEqual(["day", "message", "message", "day", "message"]);
  });

  it("the new-messages divider goes before the first unread message from someone else", () => {
    const items = buildTimeline({
      messages: [msg(1, 2, "0", "a", day1), msg(2, 1, "0", "mine", day1 + 1), msg(3, 2, "0", "new", day1 + 2)],
      dividerAfterId: "1",
      myId: 1,
    });
    const kinds = items.map((i) => (i.kind === "message" ? i.message.id : i.kind));
    expect(kinds).toEqual(["day", "1", "2", "divider", "3"]);
  });

  it("groups consecutive messages from one sender and places notices by time", () => {
    const items = buildTimeline({
      messages: [msg(1, 2, "0", "a", day1), msg(2, 2, "0", "b", day1 + 30), msg(3, 2, "0", "c", day1 + 90)],
      notices: [{ id: "n", text: "Joe joined", date: day1 + 60 }],
      dividerAfterId: null,
      myId: 1,
    });
    const summary = items.map((i) => (i.kind === "message" ? `${i.message.id}${i.continued ? "+" : ""}` : i.kind));
    expect(summary).toEqual(["day", "1", "2+", "notice", "3"]);
  });

  it("pending messages come last", () => {
    const items = buildTimeline({
      messages: [msg(1, 2, "0", "a", day1)],
      pending: [{ clientId: "c", roomId: "0", text: "x", status: "pending", createdAt: day1 * 1000 + 5000 }],
      dividerAfterId: null,
      myId: 1,
    });
    expect(items[items.length - 1]!.kind).toBe("pending");
  });

  it("with older history to come, no row shown changes when an older page arrives above it", () => {
    // 1-2 from person 3, 3-6 from person 2 (one run), the older page ends inside that run.
    const all = [msg(1, 3, "0", "a", day1), msg(2, 3, "0", "b", day1 + 10), msg(3, 2, "0", "c", day1 + 20),
      msg(4, 2, "0", "d", day1 + 30), msg(5, 2, "0", "e", day1 + 40), msg(6, 2, "0", "f", day1 + 50)];
    const shown = (items: ReturnType<typeof buildTimeline>) => items.map((i) => (i.kind === "message" ? `${i.message.id}${i.continued ? "+" : ""}` : i.key));
    const before = shown(buildTimeline({ messages: all.slice(3), dividerAfterId: null, myId: 1, hasOlder: true }));
    const after = shown(buildTimeline({ messages: all.slice(1), dividerAfterId: null, myId: 1, hasOlder: true }));
    const whole = shown(buildTimeline({ messages: all, dividerAfterId: null, myId: 1, hasOlder: false }));
    // The oldest loaded message is only the context of the next: 5 continues 4's run from the start.
    expect(before).toEqual(["5+", "6+"]);
    expect(after.slice(-before.length)).toEqual(before);
    expect(whole.slice(-after.length)).toEqual(after);
    expect(whole[0]).toMatch(/^day-/);
  });

  it("while every loaded message is unread, the divider waits above with what leads to it", () => {
    const all = [msg(1, 2, "0", "a", day1), msg(2, 1, "0", "mine", day1 + 1), msg(3, 2, "0", "new", day1 + 2), msg(4, 2, "0", "newer", day1 + 3)];
    const kinds = (items: ReturnType<typeof buildTimeline>) => items.map((i) => (i.kind === "message" ? i.message.id : i.kind));
    // Loaded from 2 on, unread after 1: the divider goes before 3, which is not shown yet.
    expect(kinds(buildTimeline({ messages: all.slice(1), dividerAfterId: "1", myId: 1, hasOlder: true }))).toEqual(["4"]);
    expect(kinds(buildTimeline({ messages: all, dividerAfterId: "1", myId: 1, hasOlder: false }))).toEqual(["day", "1", "2", "divider", "3", "4"]);
  });
});
