import { describe, expect, it } from "vitest";
import { ourConnections } from "../../src/server/realtime/bus/subscription-audit.js";

/** What the sharded bus's audit reads of a master's CLIENT LIST (realtime/bus/subscription-audit.ts). */
describe("ourConnections", () => {
  const line = (id: number, name: string, ssub: number, sub = 0) =>
    `id=${id} addr=127.0.0.1:5${id} laddr=127.0.0.1:7000 fd=${id} name=${name} age=3 idle=0 flags=P db=0 sub=${sub} psub=0 ssub=${ssub} multi=-1 qbuf=0 events=r cmd=ssubscribe user=default redir=-1 resp=3`;

  it("counts the sharded subscriptions of this instance's connections only, and gives their ids", () => {
    const list = [line(8, "redis-chat:a1", 12), line(9, "redis-chat:a12", 40), line(11, "redis-chat:a1", 0, 1), line(12, "", 3)].join("\n") + "\n";
    expect(ourConnections(list, "redis-chat:a1")).toEqual({ ids: ["8", "11"], subscriptions: 12 });
  });

  it("finds nothing in an empty answer (a connection gone)", () => {
    expect(ourConnections("", "redis-chat:a1")).toEqual({ ids: [], subscriptions: 0 });
  });
});
