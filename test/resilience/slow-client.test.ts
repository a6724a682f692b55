import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ChatMessage, MessageAck } from "../../src/protocol/index.js";
import { bufferedBytes } from "../../src/server/realtime/liveness.js";
import { collectMessages, connect, eventually, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { signUp } from "./helpers.js";

/**
 * A client that stops reading (its TCP socket paused) while its room is busy: the server caps what
 * it queues for that connection and drops it past the cap, so its memory does not grow without
 * bound; everyone else keeps receiving.
 */
describe("a slow client that stops reading", () => {
  const CAP = 65_536;
  const TEXT = "x".repeat(3900);
  const MAX_MESSAGES = 12_000; // ~48 MB of frames: far more than the kernel's socket buffers absorb
  let redis: RedisServerHandle;
  let server: RunningChatServer;
  let slow: SignedIn, writer: SignedIn, fast: SignedIn;
  let raw: WebSocket;
  let closedByServer = false;
  const sockets: ClientSocket[] = [];
  let fastGot: ChatMessage[] = [];
  const acked: string[] = [];
  let sentWhenDropped = 0;
  let peakQueued = 0;
  let queuedAfterDrop: number[] = [];
  let slowSocketId = "";
  /** The server's end of the slow client's TCP connection. */
  let serverSide: { destroyed: boolean; writableLength: number } | undefined;
  /** The Engine.IO id of the slow client's connection. */
  let slowConnId = "";
  let heapBefore = 0;
  let heapAfter = 0;

  const slowSocket = () => [...server.instance.io.of("/").sockets.values()].find((s) => s.data.user?.id === slow.user.id);
  const engineClients = () => (server.instance.io.engine as unknown as { clients: Record<string, unknown> }).clients;
  const queuedBytes = () => {
    let total = 0;
    for (const engineSocket of Object.values(engineClients())) total += bufferedBytes(engineSocket);
    return total;
  };

  beforeAll(async () => {
    redis = await startRedis();
    server = await startChatServer({ redisUrl: redis.url, maxBufferedBytes: CAP });
    [slow, writer, fast] = await signUp(server.url, "slow", "writer", "fast");

    // The slow client: a raw Engine.IO v4 WebSocket doing the Socket.IO handshake by hand.
    const port = new URL(server.url).port;
    raw = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { headers: { cookie: slow.cookie } });
    raw.on("close", () => (closedByServer = true));
    raw.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      raw.on("message", (data) => {
        const text = data.toString();
        if (text.startsWith("0")) raw.send("40");
        else if (text.startsWith("40")) resolve();
        else if (text.startsWith("44")) reject(new Error(`connect refused: ${text}`));
      });
    });
    await eventually(() => slowSocket() !== undefined, 5000, "slow socket registered");
    slowSocketId = slowSocket()!.id;
    slowConnId = (slowSocket()!.conn as unknown as { id: string }).id;
    serverSide = (slowSocket()!.conn as unknown as { transport: { socket: { _socket: typeof serverSide } } }).transport.socket._socket;
    // Stop reading: the kernel buffers fill, then the server's queue for this connection grows.
    (raw as unknown as { _socket: { pause(): void } })._socket.pause();

    const fastSocket = await connect(server.url, fast.cookie);
    fastGot = collectMessages(fastSocket);
    const writerSocket = await connect(server.url, writer.cookie);
    sockets.push(fastSocket, writerSocket);

    global.gc?.();
    heapBefore = process.memoryUsage().heapUsed;
    const send = (i: number) =>
      new Promise<void>((resolve) =>
        writerSocket.emit("message", { roomId: "0", message: `${i} ${TEXT}` }, (ack: MessageAck) => {
          if (ack.ok) acked.push(ack.message.id);
          resolve();
        }),
      );
    let dropped = false;
    for (let i = 0; i < MAX_MESSAGES; ) {
      const batch = Array.from({ length: 100 }, () => send(i++));
      await Promise.all(batch);
      peakQueued = Math.max(peakQueued, queuedBytes());
      if (!dropped && !slowSocket()) {
        dropped = true;
        sentWhenDropped = i;
      }
      if (dropped) {
        // What the server still holds for the dropped connection (nothing once it let it go): the
        // other clients' queues are busy with this very traffic (on a loaded machine the fast
        // client reads late and its queue runs past 64 KB).
        const kept = engineClients()[slowConnId];
        queuedAfterDrop.push(kept === undefined ? 0 : bufferedBytes(kept));
        if (i >= sentWhenDropped + 1000) break; // keep pushing a while after the drop
      }
    }
    await eventually(() => fastGot.length >= acked.length, 10_000, "the fast client received everything");
    global.gc?.();
    heapAfter = process.memoryUsage().heapUsed;
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    raw?.terminate();
    await server?.close();
    await redis?.stop();
  });

  it("the server disconnects a client that stopped reading once its queue passes maxBufferedBytes", () => {
    expect(sentWhenDropped, "the slow socket was never dropped").toBeGreaterThan(0);
    expect(server.instance.io.of("/").sockets.has(slowSocketId)).toBe(false);
    console.info(
      `[slow-client] dropped after ${sentWhenDropped} messages of ~4 KB (${((sentWhenDropped * 4000) / 1e6).toFixed(1)} MB pushed); ` +
        `peak bytes queued on the server ${peakQueued}; heap ${(heapBefore / 1e6).toFixed(0)} -> ${(heapAfter / 1e6).toFixed(0)} MB`,
    );
  });

  it("what the server queues for a connection is bounded: the cap plus about one second of the room's traffic", () => {
    // The check runs once a second; at this test's rate (~MBs per second into one room) the queue
    // passes the cap by what arrives in between, and no more.
    expect(peakQueued).toBeLessThan(32 * 1024 * 1024);
  });

  it("the dropped connection is closed at once and its queue freed, not kept until the peer reads it", async () => {
    expect(queuedAfterDrop.length).toBeGreaterThan(0);
    expect(Math.max(...queuedAfterDrop), "bytes still queued for the dropped connection").toBeLessThan(64 * 1024);
    expect(Object.keys(engineClients()), "Engine.IO connections left: the fast client's and the writer's").toHaveLength(2);
    // The server destroyed its end of the TCP connection (a graceful close would have waited for
    // the paused client to read megabytes first); the paused client only notices once it reads again.
    await eventually(() => serverSide?.destroyed === true, 5000, "the server's end destroyed");
    (raw as unknown as { _socket: { resume(): void } })._socket.resume();
    await eventually(() => closedByServer, 10_000, "the slow client sees the connection closed");
  });

  it("the other clients keep receiving every message", () => {
    expect(acked.length).toBeGreaterThan(sentWhenDropped);
    const got = new Set(fastGot.map((m) => m.id));
    expect(acked.every((id) => got.has(id))).toBe(true);
  });

  it("the server stays responsive", async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    await sleep(0);
  });
});
