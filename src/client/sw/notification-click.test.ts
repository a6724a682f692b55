import { describe, expect, it } from "vitest";
import { clickPlan, notificationTarget } from "./notification-click.js";

const ORIGIN = "https://chat.example.com";

describe("a click on a push notification", () => {
  it("opens the message's permalink in a new window when no window of the app is open", () => {
    const target = notificationTarget({ title: "alice", roomId: "1:2", messageId: "1765000000123456", url: "/#/room/1:2" });
    expect(target.url).toBe("/#/room/1:2/message/1765000000123456");
    expect(clickPlan(target, [], ORIGIN)).toEqual({ kind: "open", url: "/#/room/1:2/message/1765000000123456" });
    // Windows of other sites do not count.
    expect(clickPlan(target, [{ url: "https://elsewhere.example/#/room/1:2" }], ORIGIN).kind).toBe("open");
  });

  it("focuses an open window of the app (the focused one first) and tells it the room and message", () => {
    const target = notificationTarget({ roomId: "0", messageId: "1765000000123456-0123456789ab" });
    const windows = [{ url: `${ORIGIN}/#/room/5`, id: "a" }, { url: `${ORIGIN}/`, focused: true, id: "b" }];
    const plan = clickPlan(target, windows, ORIGIN);
    expect(plan).toEqual({ kind: "focus", window: windows[1], message: { type: "open-room", roomId: "0", messageId: "1765000000123456-0123456789ab" } });
    expect(clickPlan(target, [windows[0]!], ORIGIN)).toMatchObject({ kind: "focus", window: windows[0] });
  });

  it("falls back to the room, then to the app, when the payload lacks or garbles the ids", () => {
    expect(notificationTarget({ roomId: "7", messageId: "not-an-id" })).toEqual({ roomId: "7", messageId: null, url: "/#/room/7" });
    expect(notificationTarget({ roomId: "../x", messageId: "1" })).toEqual({ roomId: null, messageId: null, url: "/" });
    expect(notificationTarget({ url: "//evil.example/" }).url).toBe("/");
    expect(notificationTarget({ url: "/#/room/3" }).url).toBe("/#/room/3");
    expect(notificationTarget(null).url).toBe("/");
    const plan = clickPlan(notificationTarget({}), [{ url: `${ORIGIN}/` }], ORIGIN);
    expect(plan).toMatchObject({ kind: "focus", message: null });
  });
});
