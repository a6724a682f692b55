import { describe, expect, it } from "vitest";
import { ThumbnailQueue } from "../../src/server/domain/attachments/thumbnails.js";
import { createLogger } from "../../src/server/logger.js";

/**
 * The queue that makes thumbnails after uploads answered: one at a time, bounded, each file once,
 * a file that does not decode not tried again, nothing kept by a stop. Driven by jobs the test
 * finishes itself (no clock).
 */
function harness(maxWaiting = 3) {
  const started: string[] = [];
  const finish = new Map<string, (made: boolean) => void>();
  const queue = new ThumbnailQueue(
    (key) =>
      new Promise<boolean>((resolve) => {
        started.push(key);
        finish.set(key, resolve);
      }),
    createLogger("silent"),
    maxWaiting,
  );
  /** Lets the queue react to a finished job (its promise callbacks). */
  const settle = () => new Promise((r) => setImmediate(r));
  return { queue, started, finish: (key: string, made = true) => finish.get(key)!(made), settle };
}

describe("the thumbnail queue", () => {
  it("makes one thumbnail at a time, in the order they were queued", async () => {
    const { queue, started, finish, settle } = harness();
    for (const key of ["a", "b", "c"]) expect(queue.add(key)).toBe("queued");
    expect([started, queue.pending]).toEqual([["a"], 3]);
    finish("a");
    await settle();
    expect(started).toEqual(["a", "b"]);
    finish("b");
    await settle();
    finish("c");
    await queue.idle();
    expect([started, queue.pending]).toEqual([["a", "b", "c"], 0]);
  });

  it("queues a file once however often it is asked for (waiting or being made)", async () => {
    const { queue, started, finish, settle } = harness();
    queue.add("a");
    queue.add("b");
    expect([queue.add("a"), queue.add("b"), queue.pending]).toEqual(["queued", "queued", 2]);
    finish("a");
    await settle();
    finish("b");
    await queue.idle();
    expect(started).toEqual(["a", "b"]);
  });

  it("holds at most maxWaiting: past it a file is refused (made when first asked for)", () => {
    const { queue } = harness(2);
    queue.pause();
    expect(["a", "b", "c"].map((key) => queue.add(key))).toEqual(["queued", "queued", "full"]);
    expect(queue.pending).toBe(2);
  });

  it("does not try again a file that did not decode", async () => {
    const { queue, started, finish } = harness();
    queue.add("corrupt");
    finish("corrupt", false);
    await queue.idle();
    expect([queue.add("corrupt"), started]).toEqual(["failed", ["corrupt"]]);
  });

  it("holds its work while paused, and drops what waits when stopped", async () => {
    const { queue, started, finish, settle } = harness();
    queue.pause();
    queue.add("a");
    queue.add("b");
    expect(started).toEqual([]);
    queue.resume();
    expect(started).toEqual(["a"]);
    queue.stop();
    finish("a");
    await settle();
    await queue.idle();
    expect([started, queue.pending]).toEqual([["a"], 0]);
  });
});
