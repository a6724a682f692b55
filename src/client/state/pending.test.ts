import { describe, expect, it } from "vitest";
import {
  addPending, markFailed, markRetrying, markWaiting, mergeOutbox, newClientId, nextToSend, parseOutbox, pendingForRoom,
  removePending, settleByArrival, type PendingMessage,
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

describe("the outbox: sending that never gives up quietly", () => {
  it("sends the oldest pending message first, one at a time, and skips failed ones", () => {
    let map = addPending({}, pending("b", "second", T0 + 10));
    map = addPending(map, pending("a", "first", T0));
    map = addPending(map, { ...pending("x", "refused", T0 - 10), status: "failed" });
    expect(nextToSend(map, T0)).toEqual({ message: map.a, waitMs: 0 });
    expect(nextToSend(removePending(map, "a"), T0)?.message.clientId).toBe("b");
    expect(nextToSend(removePending(removePending(map, "a"), "b"), T0)).toBeUndefined();
  });

  it("a rate-limited message stays pending, waits until the server said, and holds back the ones after it", () => {
    let map = addPending({}, pending("a", "first", T0));
    map = addPending(map, pending("b", "second", T0 + 1));
    map = markWaiting(map, "a", T0 + 4000, "rate-limit");
    expect(map.a).toMatchObject({ status: "pending", retryAt: T0 + 4000, waiting: "rate-limit", clientId: "a" });
    expect(nextToSend(map, T0 + 1000)).toEqual({ message: map.a, waitMs: 3000 });
    expect(nextToSend(map, T0 + 5000)).toEqual({ message: map.a, waitMs: 0 });
  });

  it("a message typed while disconnected is still pending, with its clientId, when the connection returns", () => {
    const map = markWaiting(addPending({}, pending("c1", "typed offline", T0)), "c1", T0 + 2000, "no-answer");
    expect(nextToSend(map, T0 + 2000)?.message).toMatchObject({ clientId: "c1", text: "typed offline", status: "pending" });
  });

  it("is stored and read back as pending (a new session sends it), dropping waiting times and malformed entries", () => {
    let map = addPending({}, pending("c1", "one", T0));
    map = markWaiting(map, "c1", T0 + 9000, "rate-limit");
    map = addPending(map, { ...pending("c2", "two", T0 + 1), status: "failed", error: "Not a member" });
    const { text, written } = mergeOutbox({}, map, new Set());
    expect(written).toEqual(new Set(["c1", "c2"]));
    const back = parseOutbox(text);
    expect(back.c1).toEqual(pending("c1", "one", T0));
    expect(back.c2).toMatchObject({ status: "failed", error: "Not a member" });
    const withJunk = JSON.stringify([...JSON.parse(text), { clientId: "bad id!", roomId: "0", text: "x", status: "pending", createdAt: 1 }, 42]);
    expect(Object.keys(parseOutbox(withJunk)).sort()).toEqual(["c1", "c2"]);
    expect(parseOutbox("{not json")).toEqual({});
    expect(parseOutbox(null)).toEqual({});
  });

  it("keeps other tabs' entries and forgets this tab's settled ones", () => {
    const stored = parseOutbox(mergeOutbox({}, addPending(addPending({}, pending("other", "from tab 2")), pending("mine", "sent now")), new Set()).text);
    const { text } = mergeOutbox(stored, {}, new Set(["mine"]));
    expect(Object.keys(parseOutbox(text))).toEqual(["other"]);
  });

  it("a message with files settles its entry by its caption (the stored text also lists the files for seed clients)", () => {
    const file = { id: "AAAAAAAAAAAAAAAAAAAAAA", name: "plan.pdf", type: "application/pdf", size: 10 };
    const map = addPending({}, { ...pending("c1", "the plan"), attachments: [file] });
    const stored = { ...msg("9", ME, "0", "the plan\n📎 plan.pdf /room/0/attachments/AAAAAAAAAAAAAAAAAAAAAA"), date: T0 / 1000, attachments: [file] };
    expect(settleByArrival(map, ME, [stored])).toEqual({});
    const noCaption = addPending({}, { ...pending("c2", ""), attachments: [file] });
    expect(settleByArrival(noCaption, ME, [{ ...stored, message: "📎 plan.pdf /room/0/attachments/AAAAAAAAAAAAAAAAAAAAAA" }])).toEqual({});
  });

  it("an unsent message keeps its files across a reload (the outbox in storage)", () => {
    const file = { id: "AAAAAAAAAAAAAAAAAAAAAA", name: "plan.pdf", type: "application/pdf", size: 10 };
    const { text } = mergeOutbox({}, { c1: { ...pending("c1", ""), attachments: [file] } }, new Set());
    expect(parseOutbox(text).c1).toEqual({ ...pending("c1", ""), attachments: [file] });
  });
});
