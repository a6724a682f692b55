import { describe, expect, it } from "vitest";
import { compareMessageIds, type ChatMessage } from "../../protocol/index.js";
import { backoffMs, CATCH_UP_SIZE, CatchUpCursors, catchUpRoom, FROM_THE_START, type CatchUpDeps } from "./catchUp.js";

const message = (id: string, roomId = "7"): ChatMessage => ({ id, from: 1, date: Math.floor(Number(id.split("-")[0]) / 1e6), message: `m ${id}`, roomId });
/** Our ids: microseconds, one per message. */
const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => String(1_700_000_000_000_000 + from + i));

/** A room's history served as the server does: ids after the cursor, at most `size`, plus seed siblings of the cursor's second. */
function server(history: ChatMessage[]) {
  return (after: string): ChatMessage[] => {
    const sorted = [...history].sort((a, b) => compareMessageIds(a.id, b.id));
    const second = after.split("-")[0]!.slice(0, -6);
    const siblings = sorted.filter((m) => m.id.includes("-") && m.id.split("-")[0]!.slice(0, -6) === second && compareMessageIds(m.id, after) < 0);
    return [...siblings, ...sorted.filter((m) => compareMessageIds(m.id, after) > 0).slice(0, CATCH_UP_SIZE)];
  };
}

function harness(fetchAfter: CatchUpDeps["fetchAfter"], cursors = new CatchUpCursors()) {
  const held = new Map<string, ChatMessage>();
  const waits: number[] = [];
  const gaveUp: unknown[] = [];
  const deps: CatchUpDeps = {
    cursors,
    fetchAfter,
    arrived: (_room, page) => page.forEach((m) => held.set(m.id, m)),
    retryable: (error) => !(error instanceof Error && error.message === "403"),
    gaveUp: (_room, error) => gaveUp.push(error),
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
  };
  return { deps, held, waits, gaveUp, cursors };
}

describe("catching a room up after a reconnect (web client)", () => {
  it("waits 0.5 s after a first failure, doubling up to 30 s, with jitter of a quarter either way", () => {
    expect([1, 2, 3, 4, 7, 20].map((n) => backoffMs(n, () => 0.5))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
    expect(backoffMs(1, () => 0)).toBe(375);
    expect(backoffMs(1, () => 1)).toBe(625);
  });

  it("a failed catch-up is retried with backoff until it succeeds, and the backoff starts again after a success", async () => {
    const history = ids(0, 150).map((id) => message(id));
    const serve = server(history);
    const failures = [true, true, true, false, true, false];
    const { deps, held, waits, cursors } = harness(async (_room, after) => {
      if (failures.shift()) throw new Error("Cannot reach the server");
      return serve(after);
    });
    cursors.broke(["7"]);
    const { current } = cursors.begin();
    // Nothing heard yet: the room's whole history.
    expect(cursors.cursor("7")).toBe(FROM_THE_START);
    await catchUpRoom("7", current, deps);
    expect(waits).toEqual([500, 1000, 2000, 500]);
    expect(held.size).toBe(150);
    expect(cursors.cursor("7")).toBeUndefined();
  });

  it("a refusal that retrying cannot fix (403, 404) ends the catch-up and is reported", async () => {
    const { deps, gaveUp, cursors } = harness(async () => {
      throw new Error("403");
    });
    cursors.broke(["7"]);
    await catchUpRoom("7", cursors.begin().current, deps);
    expect(gaveUp).toHaveLength(1);
    expect(cursors.cursor("7")).toBeUndefined();
  });

  it("a connection that breaks while a catch-up runs keeps that catch-up's cursor, not the newer live message, and the next round resumes from it", async () => {
    const history = ids(0, 250).map((id) => message(id));
    const serve = server(history);
    const cursors = new CatchUpCursors();
    cursors.heardOf("7", [history[9]!]);
    cursors.broke(["7"]); // first break: held up to #9
    let pages = 0;
    const first = harness(async (_room, after) => {
      pages++;
      if (pages === 2) {
        // While the second page is on its way: a live message far ahead arrives, then the connection breaks.
        cursors.heardOf("7", [history[240]!]);
        cursors.broke(["7"]);
      }
      return serve(after);
    }, cursors);
    await catchUpRoom("7", cursors.begin().current, first.deps);
    expect(cursors.cursor("7")).toBe(history[109]!.id);
    const second = harness(async (_room, after) => serve(after), cursors);
    await catchUpRoom("7", cursors.begin().current, second.deps);
    expect(second.held.get(history[110]!.id)).toBeDefined();
    expect(second.held.size).toBe(140);
    expect(cursors.cursor("7")).toBeUndefined();
  });

  it("a room heard complete when the connection broke enters at the newest id heard through its stream", () => {
    const cursors = new CatchUpCursors();
    const [a, b] = ids(0, 2);
    cursors.heardOf("7", [message(b!), message(a!)]);
    cursors.broke(["7", "8"]);
    expect(cursors.cursor("7")).toBe(b);
    expect(cursors.cursor("8")).toBe(FROM_THE_START);
  });

  it("a resync naming an earlier time moves a room's cursor back, never forward", () => {
    const cursors = new CatchUpCursors();
    const [early, late] = ids(0, 2);
    cursors.heardOf("7", [message(late!)]);
    cursors.broke(["7"]);
    cursors.rewind("7", early!);
    expect(cursors.cursor("7")).toBe(early);
    cursors.rewind("7", late!);
    expect(cursors.cursor("7")).toBe(early);
  });

  it("a page full of seed messages of one second does not spin: every page moves past what it returned", async () => {
    const second = "1700000000";
    const seed = Array.from({ length: 250 }, (_, i) => message(`${second}000000-${i.toString(16).padStart(12, "0")}`));
    const ours = ids(5_000_000, 10).map((id) => message(id));
    const serve = server([...seed, ...ours]);
    let calls = 0;
    const { deps, held, cursors } = harness(async (_room, after) => {
      calls++;
      return serve(after);
    });
    cursors.broke(["7"]);
    await catchUpRoom("7", cursors.begin().current, deps);
    expect(held.size).toBe(260);
    expect(calls).toBe(3);
  });

  it("an id dated far ahead (a seed client's clock or a date in milliseconds) never becomes a cursor", () => {
    const now = 1_700_000_000_000;
    const cursors = new CatchUpCursors(() => now);
    const [truthful] = ids(0, 1);
    cursors.heardOf("7", [message(truthful!), message(`${now / 1000 + 3600}000000-aaaaaaaaaaaa`), message(`${now}000000-bbbbbbbbbbbb`)]);
    cursors.broke(["7"]);
    expect(cursors.cursor("7")).toBe(truthful);
  });
});
