import { existsSync } from "node:fs";
import type { RedisClientType } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatMessage } from "../../src/protocol/index.js";
import { collectMessages, connect, eventually, sleep, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, startChatServerProcess, type ChatServerProcess, type RunningChatServer } from "../support/chat-server.js";
import { startRedis, type RedisServerHandle } from "../support/redis-server.js";
import { duplicates, rawRedis, readAllAfter, readAllPages, ReliableSender, signUp, type Outgoing } from "./helpers.js";

/**
 * Kill -9 of the instance a client is streaming to: what it acknowledged is stored once, what it
 * did not is resent by the client (same clientId) to another instance, and nothing is doubled.
 *
 * Two ways to die:
 * - `kill`: SIGKILL while the client streams.
 * - `stored-unacked`: the instance dies between storing messages and acknowledging them, made
 *   deterministic by freezing Redis (SIGSTOP) so the instance's commands queue up, freezing the
 *   instance, letting Redis run them (stored, published) and then SIGKILL-ing the instance before
 *   it could read the replies. The client must resend those, and they must not be stored twice.
 */
type Mode = "kill" | "stored-unacked";

for (const mode of ["kill", "stored-unacked"] as Mode[]) {
  const title =
    mode === "kill"
      ? "an instance killed with SIGKILL while a client streams messages"
      : "an instance killed with SIGKILL after storing messages it never acknowledged";
  describe(title, () => {
    const TOTAL = 400;
    const KILL_AFTER_ACKS = 80;
    const PREFIX = `crash-${mode}`;
    const expected = Array.from({ length: TOTAL }, (_, i) => `${PREFIX} message ${i}`);
    let redis: RedisServerHandle;
    let raw: RedisClientType;
    let doomed: ChatServerProcess;
    let survivor: RunningChatServer;
    let writer: SignedIn, reader: SignedIn, watcher: SignedIn;
    const sockets: ClientSocket[] = [];

    const sender = new ReliableSender("0", PREFIX);
    let liveOnSurvivor: ChatMessage[] = [];
    let seenBeforeCrash: ChatMessage[] = [];
    let ackedBeforeCrash = 0;
    let resent: Outgoing[] = [];
    let storedButUnacked: Outgoing[] = [];
    let reconnectMs = 0;

    beforeAll(async () => {
      if (!existsSync("dist/server/main.js")) throw new Error("run `npm run build:server` first (the crash test runs dist/server/main.js)");
      redis = await startRedis();
      raw = await rawRedis(redis.url);
      const redisPid = Number(/process_id:(\d+)/.exec(await raw.info("server"))![1]);
      [doomed, survivor] = await Promise.all([
        startChatServerProcess({ REDIS_URL: redis.url }),
        startChatServer({ redisUrl: redis.url }),
      ]);
      [writer, reader, watcher] = await signUp(survivor.url, "writer", "reader", "watcher");

      // A reader on the doomed instance (it will catch up later) and a watcher on the survivor.
      const readerSocket = await connect(doomed.url, reader.cookie);
      seenBeforeCrash = collectMessages(readerSocket);
      const watcherSocket = await connect(survivor.url, watcher.cookie);
      liveOnSurvivor = collectMessages(watcherSocket);
      sockets.push(readerSocket, watcherSocket);

      // The writer streams to the doomed instance without waiting for acknowledgements.
      const first = await connect(doomed.url, writer.cookie);
      sockets.push(first);
      sender.attach(first);
      let killedAt = 0;
      let crash: Promise<void> | undefined;
      const failedOver = new Promise<void>((resolve, reject) => {
        first.once("disconnect", () => {
          // What a real client does: reconnect (here: to the other instance) and resend what was
          // not acknowledged. The test also notes which of those the dead instance had stored.
          (async () => {
            await crash;
            const stored = new Set((await raw.zRange("room:0", 0, -1)).map((json) => (JSON.parse(json) as ChatMessage).message));
            storedButUnacked = sender.pending().filter((o) => stored.has(o.text));
            const second = await connect(survivor.url, writer.cookie);
            reconnectMs = Date.now() - killedAt;
            sockets.push(second);
            sender.attach(second);
            resent = sender.resendPending();
          })().then(resolve, reject);
        });
      });
      const die = async () => {
        if (mode === "kill") return doomed.kill();
        process.kill(redisPid, "SIGSTOP");
        await sleep(150); // the instance keeps forwarding the client's messages to the frozen Redis
        process.kill(doomed.child.pid!, "SIGSTOP");
        process.kill(redisPid, "SIGCONT"); // Redis stores and publishes them; the replies go unread
        await sleep(150);
        await doomed.kill();
      };
      for (let i = 0; i < TOTAL; i++) {
        sender.send(i);
        if (!killedAt && sender.acked().length >= KILL_AFTER_ACKS) {
          killedAt = Date.now();
          ackedBeforeCrash = sender.acked().length;
          crash = die();
        }
        if (i % 4 === 3) await sleep(2);
      }
      await failedOver;
      await eventually(() => sender.pending().length === 0, 10_000, "every message acknowledged");
    }, 60_000);

    afterAll(async () => {
      for (const s of sockets) s.disconnect();
      await doomed?.kill();
      await survivor?.close();
      await raw?.close();
      await redis?.stop();
    });

    it("the crash happened mid-stream and the client resent what was not acknowledged, with the same clientIds", () => {
      expect(doomed.child.signalCode).toBe("SIGKILL");
      expect(ackedBeforeCrash).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(ackedBeforeCrash).toBeLessThan(TOTAL);
      expect(resent.length).toBeGreaterThan(0);
      expect(resent.every((o) => o.attempts >= 1 && o.attempts <= 2)).toBe(true);
      if (mode === "stored-unacked") expect(storedButUnacked.length).toBeGreaterThan(0);
      expect(sender.refusals).toEqual([]);
      console.info(
        `[crash:${mode}] acknowledged before the kill: ${ackedBeforeCrash}; resent after reconnect: ${resent.length} ` +
          `(${storedButUnacked.length} of them already stored by the dead instance); reconnect took ${reconnectMs} ms`,
      );
    });

    it("an acknowledged message survives the crash of the instance that stored it, and is in history exactly once", async () => {
      const history = await readAllAfter(survivor.url, writer.cookie, "0");
      expect(duplicates(history.map((m) => m.id))).toEqual([]);
      expect(duplicates(history.map((m) => m.message))).toEqual([]);
      const byId = new Map(history.map((m) => [m.id, m]));
      for (const item of sender.outgoing) {
        expect(item.ack, item.clientId).toBeDefined();
        expect(byId.get(item.ack!.id)?.message, item.clientId).toBe(item.text);
      }
      expect(history).toHaveLength(TOTAL);
    });

    it("a message stored but not acknowledged before the crash is acknowledged on resend with the first stored copy", () => {
      for (const item of storedButUnacked) {
        expect(item.ack?.message).toBe(item.text);
        expect(item.attempts).toBe(2);
      }
    });

    it("history holds every message once, in send order, whether read by ?after= or by the seed's offset pages", async () => {
      const after = await readAllAfter(survivor.url, writer.cookie, "0");
      const pages = await readAllPages(survivor.url, writer.cookie, "0");
      expect(after.map((m) => m.message)).toEqual(expected);
      expect(pages.map((m) => m.id)).toEqual(after.map((m) => m.id));
      expect(after.every((m) => m.from === writer.user.id)).toBe(true);
    });

    it("a reader that lost its instance catches up with ?after=<last id it saw> and sees every message once, in send order", async () => {
      expect(seenBeforeCrash.length).toBeGreaterThan(0);
      const lastSeen = seenBeforeCrash[seenBeforeCrash.length - 1]!.id;
      const caughtUp = await readAllAfter(survivor.url, reader.cookie, "0", lastSeen);
      const all = [...seenBeforeCrash, ...caughtUp];
      expect(duplicates(all.map((m) => m.id))).toEqual([]);
      expect(all.map((m) => m.message)).toEqual(expected);
      console.info(`[crash:${mode}] reader saw ${seenBeforeCrash.length} live before the crash, caught up ${caughtUp.length}`);
    });

    it("a reader on the surviving instance received every message live exactly once, in send order", async () => {
      await eventually(() => liveOnSurvivor.length >= TOTAL, 5000, "live delivery on the survivor");
      await sleep(200);
      expect(duplicates(liveOnSurvivor.map((m) => m.id))).toEqual([]);
      expect(liveOnSurvivor.map((m) => m.message)).toEqual(expected);
    });
  });
}
