import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_MESSAGE_LENGTH } from "../../src/protocol/index.js";
import { connect, send, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { readAllAfter, signUp } from "../resilience/helpers.js";
import { INVISIBLE_SAMPLES } from "../support/invisible-text.js";

/** The server applies the protocol's one definition of a message: not blank, at most 4000 code points. */
describe("messages mean what they look like (server)", () => {
  const env = usePrivateRedis();
  let server: RunningChatServer;
  let ann: SignedIn;
  let socket: ClientSocket;

  beforeAll(async () => {
    server = await startChatServer({ redisUrl: env.redis.url });
    [ann] = await signUp(server.url, "ann");
    socket = await connect(server.url, ann.cookie);
  });
  afterAll(async () => {
    socket?.disconnect();
    await server?.close();
  });

  it("refuses every message made only of white space or invisible characters, and stores none of them", async () => {
    for (const [name, text] of Object.entries(INVISIBLE_SAMPLES)) {
      const ack = await send(socket, { roomId: "0", message: text });
      expect(ack, name).toEqual({ ok: false, error: expect.stringMatching(/empty|invisible/) });
    }
    expect(await readAllAfter(server.url, ann.cookie, "0")).toEqual([]);
  });

  it(`stores ${MAX_MESSAGE_LENGTH} emoji (one character each) and refuses ${MAX_MESSAGE_LENGTH + 1}`, async () => {
    const full = "🎉".repeat(MAX_MESSAGE_LENGTH);
    const ok = await send(socket, { roomId: "0", message: full });
    expect(ok.ok && ok.message.message).toBe(full);
    const over = await send(socket, { roomId: "0", message: `${full}🎉` });
    expect(over).toEqual({ ok: false, error: expect.stringMatching(/at most 4000 characters/) });
  });

  it("stores visible text wrapped in invisible characters exactly as typed", async () => {
    const text = "\u200b\u00a0hi\u00a0\u200b";
    const ack = await send(socket, { roomId: "0", message: text });
    expect(ack.ok && ack.message.message).toBe(text);
  });
});
