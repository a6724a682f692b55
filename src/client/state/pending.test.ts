import { describe, expect, it } from "vitest";
import {
  addPending, markFailed, markRetrying, newClientId, pendingForRoom, removePending, settleByArrival, type PendingMessage,
} from "./pending.js";
import { msg } from "./test-helpers.js";

const ME = 1;
const T0 = 1_800_000_000_000;

function pending(clientId: string, text: string, createdAt = T0, roomId = "0"): PendingMessage {
  return { clientId, roomId, text, status: "pending", createdAt };
}

describe("pending messages", () => {
  it("a failed message keeps its clientId and text when retried", () => {
    let map = addPending({}, pending("c1", "hello"));
    map = markFailed(map, "c1", "timeout");
    expect(map.c1).toMatchObject({ status: "failed", error: "timeout" });
    map = markRetrying(map, "c1");
    expect(map.c1).toEqual(pending("c1", "hello"));
  });

  it("an acknowledged message leaves the pending map", () => {
    const map = addPending(addPending({}, pending("a", "x")), pending("b", "y"));
    expect(Object.keys(removePending(map, "a"))).toEqual(["b"]);
    expect(removePending(map, "zzz")).toBe(map);
  });

  it("marking an unknown clientId changes nothing", () => {
    const map = addPending({}, pending("a", "x"));
    expect(markFailed(map, "nope", "e")).toBe(map);
    expect(markRetrying(map, "nope")).toBe(map);
  });

  it("my message arriving before its ack settles the oldest pending entry with the same text", () => {
    let map = addPending({}, pending("first", "ok", T0));
    map = addPending(map, pending("second", "ok", T0 + 1000));
    map = addPending(map, pending("other", "different", T0));
    const arrived = msg("50", ME, "0", "ok", T0 / 1000);
    const next = settleByArrival(map, ME, [arrived]);
    expect(Object.keys(next).sort()).toEqual(["other", "second"]);
  });

  it("a failed send that the server stored anyway disappears when it arrives after a reconnect", () => {
    const map = markFailed(addPending({}, pending("c1", "lost ack", T0)), "c1", "timeout");
    expect(settleByArrival(map, ME, [msg("77", ME, "0", "lost ack", T0 / 1000 + 3)])).toEqual({});
  });

  it("someone else's message, another room or an old message with the same words settles nothing", () => {
    const map = addPending({}, pending("c1", "hi", T0, "1:2"));
    expect(settleByArrival(map, ME, [msg("1", 2, "1:2", "hi", T0 / 1000)])).toBe(map);
    expect(settleByArrival(map, ME, [msg("1", ME, "0", "hi", T0 / 1000)])).toBe(map);
    expect(settleByArrival(map, ME, [msg("1", ME, "1:2", "hi", T0 / 1000 - 3600)])).toBe(map);
  });

  it("pending messages of a room are listed in the order they were typed", () => {
    let map = addPending({}, pending("b", "2", T0 + 5));
    map = addPending(map, pending("a", "1", T0));
    map = addPending(map, pending("c", "x", T0, "1:2"));
    expect(pendingForRoom(map, "0").map((p) => p.clientId)).toEqual(["a", "b"]);
  });

  it("client ids fit the protocol's clientId pattern", () => {
    expect(newClientId()).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(newClientId()).not.toBe(newClientId());
  });
});
