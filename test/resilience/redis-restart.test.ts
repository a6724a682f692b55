import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/protocol/index.js";
import { api, collectMessages, connect, eventually, send, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, startChatServerProcess, type ChatServerProcess, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { duplicates, readAllAfter, ReliableSender, signUp } from "./helpers.js";

/**
 * redis-server killed (SIGKILL) and restarted under traffic, append-only file on with
 * `appendfsync always`: no acknowledged message is lost, the server process rides out the outage
 * (503 meanwhile), reconnects and re-subscribes by itself, and clients catch up.
 *
 * Instance A is a separate process (the one watched for crashes), B an in-process instance.
 */
describe("redis-server restarting under traffic", () => {
  const BEFORE = 60; // sent before the kill
  const DURING = 60; // sent while Redis is down
  const AFTER = 60; // sent after it is back
  const TOTAL = BEFORE + DURING + AFTER;
  const expected = Array.from({ length: TOTAL }, (_, i) => `restart message ${i}`);

  let redis: RedisServerHandle;
  let a: ChatServerProcess;
  let b: RunningChatServer;
  let writer: SignedIn, peer: SignedIn, listener: SignedIn, reader: SignedIn, ghost: SignedIn;
  const sockets: ClientSocket[] = [];
  const sender = new ReliableSender("0", "restart");
  let onA: ChatMessage[] = [];
  let onB: ChatMessage[] = [];
  let readerSeen: ChatMessage[] = [];
  const health = { a: [] as number[], b: [] as number[] };
  let connectDuringOutage = "";
  let killedAt = 0;
  let restartedAt = 0;
  let healthyAfterMs = 0;
  let ackedBeforeKill = 0;

  const status = async (url: string) => (await fetch(`${url}/healthz`)).status;

  beforeAll(async () => {
    if (!existsSync("dist/server/main.js")) throw new Error("run `npm run build:server` first");
    redis = await startRedis({ appendOnly: true });
    a = await startChatServerProcess({ REDIS_URL: redis.url });
    b = await startChatServer({ redisUrl: redis.url });
    [writer, peer, listener, reader, ghost] = await signUp(a.url, "writer", "peer", "listener", "reader", "ghost");

    const writerSocket = await connect(a.url, writer.cookie);
    const listenerSocket = await connect(a.url, listener.cookie);
    const peerSocket = await connect(b.url, peer.cookie);
    const readerSocket = await connect(b.url, reader.cookie);
    const ghostSocket = await connect(a.url, ghost.cookie);
    sockets.push(writerSocket, listenerSocket, peerSocket, readerSocket, ghostSocket);
    onA = collectMessages(listenerSocket);
    onB = collectMessages(peerSocket);
    readerSeen = collectMessages(readerSocket);
    sender.attach(writerSocket);

    // Traffic, then the kill in the middle of it.
    for (let i = 0; i < BEFORE; i++) {
      sender.send(i);
      await sleep(3);
    }
    ackedBeforeKill = sender.acked().length;
    killedAt = Date.now();
    const killing = redis.kill();
    // The reader loses its connection during the outage (it will catch up).
    readerSocket.disconnect();
    for (let i = BEFORE; i < BEFORE + DURING; i++) {
      sender.send(i);
      await sleep(5);
    }
    await killing;
    // A user whose only connection closes while Redis is down (the disconnect cannot be recorded).
    ghostSocket.disconnect();
    await eventually(async () => (await status(a.url)) === 503, 5000, "503 from A");
    for (let i = 0; i < 5; i++) {
      health.a.push(await status(a.url));
      health.b.push(await status(b.url));
      await sleep(100);
    }
    await connect(a.url, writer.cookie).then(
      (s) => {
        s.disconnect();
        connectDuringOutage = "accepted";
      },
      (err: Error) => (connectDuringOutage = err.message),
    );

    await redis.restart();
    restartedAt = Date.now();
    await eventually(async () => (await status(a.url)) === 200, 15_000, "A healthy again");
    healthyAfterMs = Date.now() - restartedAt;

    // What a real client does: resend whatever is not acknowledged, with the same clientIds,
    // until it is; then carry on.
    const deadline = Date.now() + 15_000;
    while (sender.pending().length > 0 && Date.now() < deadline) {
      sender.resendPending();
      await eventually(() => sender.pending().length === 0, 1000, "acks").catch(() => {});
    }
    for (let i = BEFORE + DURING; i < TOTAL; i++) {
      sender.send(i);
      await sleep(2);
    }
    await eventually(() => sender.pending().length === 0, 10_000, "every message acknowledged");
  }, 90_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await a?.stop();
    await b?.close();
    await redis?.stop();
  });

  it("/healthz answers 503 while Redis is down and 200 once it is back", async () => {
    expect(health.a).toEqual([503, 503, 503, 503, 503]);
    expect(health.b).toEqual([503, 503, 503, 503, 503]);
    expect(await status(a.url)).toBe(200);
    expect(await status(b.url)).toBe(200);
    console.info(`[redis-restart] A was healthy ${healthyAfterMs} ms after redis-server was restarted`);
  });

  it("the server process survives the outage without crashing", () => {
    expect(a.child.exitCode).toBeNull();
    expect(a.child.signalCode).toBeNull();
  });

  it("while Redis is down, sends are refused with {ok: false, error} and new connections are refused, not hung", () => {
    expect(sender.refusals.length).toBeGreaterThan(0);
    expect(sender.refusals.every((e) => /unavailable/i.test(e))).toBe(true);
    expect(connectDuringOutage).toMatch(/unavailable/i);
  });

  it("no acknowledged message is lost: every acked id is in history after the restart, exactly once", async () => {
    expect(ackedBeforeKill).toBeGreaterThan(0);
    const history = await readAllAfter(a.url, writer.cookie, "0");
    const ids = new Set(history.map((m) => m.id));
    for (const item of sender.outgoing) {
      expect(item.ack, item.clientId).toBeDefined();
      expect(ids.has(item.ack!.id), item.clientId).toBe(true);
    }
    expect(duplicates(history.map((m) => m.message))).toEqual([]);
    expect(history.map((m) => m.message)).toEqual(expected);
  });

  it("the instances reconnect and re-subscribe by themselves: messages published after the restart are delivered both ways", async () => {
    const fromB = await send(sockets[2]!, { roomId: "0", message: "hello from B after the restart" });
    if (!fromB.ok) throw new Error(fromB.error);
    await eventually(() => onA.some((m) => m.id === fromB.message.id), 5000, "B's message on A");
    // A's messages sent after the restart reached B's socket through the bridge.
    const afterIds = sender.outgoing.slice(BEFORE + DURING).map((o) => o.ack!.id);
    await eventually(() => afterIds.every((id) => onB.some((m) => m.id === id)), 5000, "A's messages on B");
  });

  it("a client that lost its connection during the outage catches up with ?after=<last id it saw>", async () => {
    expect(readerSeen.length).toBeGreaterThan(0);
    const again = await connect(b.url, reader.cookie);
    sockets.push(again);
    const lastSeen = readerSeen[readerSeen.length - 1]!.id;
    const caughtUp = await readAllAfter(b.url, reader.cookie, "0", lastSeen);
    const all = [...readerSeen, ...caughtUp].filter((m) => m.message.startsWith("restart message"));
    expect(duplicates(all.map((m) => m.id))).toEqual([]);
    expect(all.map((m) => m.message)).toEqual(expected);
    console.info(
      `[redis-restart] down ${restartedAt - killedAt} ms; acked before the kill ${ackedBeforeKill}; refusals while down ` +
        `${sender.refusals.length}; reader saw ${readerSeen.length} live and caught up ${caughtUp.length}`,
    );
  });

  it("a user whose last connection closed while Redis was down is shown offline once it is back", async () => {
    await eventually(async () => !(await api(a.url, "/users/online", writer.cookie)).body[String(ghost.user.id)], 15_000, "ghost offline");
  });

  it("sessions and users survive the restart (append-only file)", async () => {
    const me = await api(a.url, "/me", writer.cookie);
    expect(me.body).toMatchObject(writer.user);
  });

  it("messages streamed the moment Redis is back are stored in send order", async () => {
    const socket = sockets[0]!;
    for (let round = 0; round < 3; round++) {
      await redis.kill();
      await redis.restart();
      await eventually(async () => (await status(a.url)) === 200, 15_000, "A healthy again");
      const burst = new ReliableSender("0", `burst${round}`);
      burst.attach(socket);
      for (let i = 0; i < 30; i++) {
        burst.send(i);
        if (i % 3 === 2) await sleep(0);
      }
      const deadline = Date.now() + 10_000;
      while (burst.pending().length > 0 && Date.now() < deadline) {
        await eventually(() => burst.pending().length === 0, 1000, "acks").catch(() => burst.resendPending());
      }
      const history = await readAllAfter(a.url, writer.cookie, "0", sender.outgoing[TOTAL - 1]!.ack!.id);
      const mine = history.filter((m) => m.message.startsWith(`burst${round} `)).map((m) => m.message);
      expect(mine).toEqual(Array.from({ length: 30 }, (_, i) => `burst${round} message ${i}`));
    }
  }, 60_000);
});
