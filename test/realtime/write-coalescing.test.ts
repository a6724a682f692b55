import { describe, expect, it } from "vitest";
import { coalesceWrites } from "../../src/server/realtime/write-coalescing.js";

/** An engine.io connection reduced to what coalescing touches, recording what happens when. */
function fakeConnection() {
  const log: string[] = [];
  const tcp = { cork: () => log.push("cork"), uncork: () => log.push("uncork") };
  const conn = {
    flush: () => log.push("flush"),
    transport: { socket: { _socket: tcp } },
  };
  return { conn, log };
}

describe("write coalescing", () => {
  it("turns every flush of one turn of the event loop into one corked write after it", async () => {
    const { conn, log } = fakeConnection();
    coalesceWrites(conn);
    for (let i = 0; i < 100; i++) conn.flush();
    expect(log).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["cork", "flush", "uncork"]);
  });

  it("writes again in a later turn", async () => {
    const { conn, log } = fakeConnection();
    coalesceWrites(conn);
    conn.flush();
    await new Promise((resolve) => setImmediate(resolve));
    conn.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["cork", "flush", "uncork", "cork", "flush", "uncork"]);
  });

  it("still flushes a transport without a TCP socket (long-polling)", async () => {
    const { conn, log } = fakeConnection();
    conn.transport = {} as typeof conn.transport;
    coalesceWrites(conn);
    conn.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(["flush"]);
  });
});
