import { describe, expect, it } from "vitest";
import { noPresenceAlerts, presenceAlertsReducer, watchedPeople, type PresenceAlertsAction, type PresenceAlertsSlice } from "./presenceAlerts.js";

const run = (...actions: PresenceAlertsAction[]): PresenceAlertsSlice => actions.reduce(presenceAlertsReducer, noPresenceAlerts);
const watched = (slice: PresenceAlertsSlice) => [...(watchedPeople(slice) ?? [])].sort((a, b) => a - b);

describe("presence alerts as a tab shows them", () => {
  it("are unknown until the server's list arrives", () => {
    expect(watchedPeople(noPresenceAlerts)).toBeNull();
    expect(watched(run({ type: "serverList", userIds: [3, 7] }))).toEqual([3, 7]);
  });

  it("follow a list pushed after a change on another device, whole", () => {
    expect(watched(run({ type: "serverList", userIds: [3, 7] }, { type: "serverList", userIds: [7, 9] }))).toEqual([7, 9]);
  });

  it("keep this tab's change on its way over a list the server sent before it had it", () => {
    const slice = run({ type: "serverList", userIds: [3] }, { type: "changing", userId: 5, on: true }, { type: "changing", userId: 3, on: false },
      { type: "serverList", userIds: [3] });
    expect(watched(slice)).toEqual([5]);
    expect(watched(presenceAlertsReducer(slice, { type: "changed", userId: 5, on: true }))).toEqual([5]);
  });

  it("go back to the server's list when this tab's change is refused", () => {
    expect(watched(run({ type: "serverList", userIds: [3] }, { type: "changing", userId: 5, on: true }, { type: "changeFailed", userId: 5 }))).toEqual([3]);
  });
});
