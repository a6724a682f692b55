import { describe, expect, it } from "vitest";
import {
  effectiveLevel, initialNotificationsState, notificationContent, notificationsReducer, roomKind,
  shouldNotify, shouldOfferPermission, type NotifyQuestion,
} from "./notifications.js";

const ME = 2;
const ask = (over: Partial<NotifyQuestion> & { mentions?: number[]; from?: number } = {}) =>
  shouldNotify({
    message: { from: over.from ?? 1, mentions: over.mentions },
    meId: ME,
    level: over.level ?? "all",
    hidden: over.hidden ?? true,
    permission: over.permission ?? "granted",
  });

describe("shouldNotify", () => {
  it("notifies of every message at level 'all' while the tab is hidden", () => {
    expect(ask({ level: "all" })).toBe("message");
  });

  it("never notifies while the tab is visible", () => {
    expect(ask({ hidden: false })).toBeNull();
    expect(ask({ hidden: false, mentions: [ME] })).toBeNull();
  });

  it("never notifies without permission", () => {
    expect(ask({ permission: "default" })).toBeNull();
    expect(ask({ permission: "denied", mentions: [ME] })).toBeNull();
    expect(ask({ permission: "unsupported" })).toBeNull();
  });

  it("never notifies of one's own message, even one that mentions oneself", () => {
    expect(ask({ from: ME, mentions: [ME] })).toBeNull();
  });

  it("at 'mentions only', notifies of a message that mentions me and of nothing else", () => {
    expect(ask({ level: "mentions", mentions: [ME] })).toBe("mention");
    expect(ask({ level: "mentions", mentions: [3] })).toBeNull();
    expect(ask({ level: "mentions" })).toBeNull();
  });

  it("at 'nothing', notifies of nothing, mentions included", () => {
    expect(ask({ level: "none", mentions: [ME] })).toBeNull();
    expect(ask({ level: "none" })).toBeNull();
  });

  it("says 'mention' when a message mentions me at level 'all'", () => {
    expect(ask({ level: "all", mentions: [3, ME] })).toBe("mention");
  });
});

describe("levels", () => {
  it("conversations default to every message, named rooms to mentions only; a choice wins", () => {
    expect(effectiveLevel({}, "1:2", roomKind("1:2"))).toBe("all");
    expect(effectiveLevel({}, "g7", roomKind("g7", "group"))).toBe("all");
    expect(effectiveLevel({}, "0", roomKind("0"))).toBe("mentions");
    expect(effectiveLevel({ "0": "none" }, "0", "named")).toBe("none");
  });

  it("named rooms without a level follow the person's default (else the place's); conversations stay at every message", () => {
    expect(effectiveLevel({}, "0", "named", "all")).toBe("all");
    expect(effectiveLevel({ "0": "none" }, "0", "named", "all")).toBe("none");
    expect(effectiveLevel({}, "1:2", "private", "none")).toBe("all");
    let state = initialNotificationsState("default", false);
    expect(state.namedDefault).toEqual({ level: "mentions", chosen: false });
    state = notificationsReducer(state, { type: "levelsLoaded", levels: {}, namedDefault: { level: "none", chosen: false } });
    expect(state.namedDefault).toEqual({ level: "none", chosen: false });
    state = notificationsReducer(state, { type: "namedDefault", namedDefault: { level: "all", chosen: true } });
    expect(state.namedDefault).toEqual({ level: "all", chosen: true });
  });

  it("tells a room's kind from a private id, else from the listed kind, else named", () => {
    expect(roomKind("3:9")).toBe("private");
    expect(roomKind("9:3")).toBe("named");
    expect(roomKind("abc", "group")).toBe("group");
    expect(roomKind("0", "whatever")).toBe("named");
  });

  it("keeps a level set on this device while the server's list was on its way", () => {
    let state = initialNotificationsState("default", false);
    state = notificationsReducer(state, { type: "levelSet", roomId: "0", level: "none" });
    state = notificationsReducer(state, { type: "levelsLoaded", levels: { "0": "all", "1:2": "mentions" } });
    expect(state.levels).toEqual({ "0": "none", "1:2": "mentions" });
    state = notificationsReducer(state, { type: "levelsLoaded", levels: { "0": "all" } });
    expect(state.levels).toEqual({ "0": "all" });
  });
});

describe("notificationContent", () => {
  const message = { id: "17", roomId: "1:2", message: "hi\n\nthere" };
  it("titles a private room by the sender and shows the text alone", () => {
    expect(notificationContent(message, "private", "alice", "alice")).toEqual({ title: "alice", body: "hi there", tag: "message:1:2:17" });
  });

  it("titles other rooms by the room and names the sender, cutting long text", () => {
    const long = { id: "5", roomId: "0", message: "y".repeat(500) };
    const content = notificationContent(long, "named", "General", "bob");
    expect(content.title).toBe("General");
    expect(content.body.startsWith("bob: yyy")).toBe(true);
    expect(content.body.endsWith("…")).toBe(true);
    expect(Array.from(content.body.slice("bob: ".length))).toHaveLength(140);
  });
});

describe("shouldOfferPermission", () => {
  it("offers only while the browser has not been asked and the banner was not closed", () => {
    expect(shouldOfferPermission({ permission: "default", promptDismissed: false })).toBe(true);
    expect(shouldOfferPermission({ permission: "default", promptDismissed: true })).toBe(false);
    expect(shouldOfferPermission({ permission: "granted", promptDismissed: false })).toBe(false);
    expect(shouldOfferPermission({ permission: "denied", promptDismissed: false })).toBe(false);
    expect(shouldOfferPermission({ permission: "unsupported", promptDismissed: false })).toBe(false);
  });
});
