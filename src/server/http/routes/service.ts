import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { randomInt } from "node:crypto";
import { z } from "zod";
import { HealthAnswer } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { pingRedis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { OpenStreams } from "../open-streams.js";

const ADJECTIVES = ["Brave", "Calm", "Eager", "Fancy", "Gentle", "Happy", "Jolly", "Kind", "Lively", "Proud", "Quiet", "Witty"];
const NOUNS = ["Otter", "Falcon", "Panda", "Tiger", "Koala", "Lynx", "Heron", "Badger", "Dolphin", "Fox", "Owl", "Wolf"];
const pick = <T>(list: readonly T[]): T => list[randomInt(list.length)]!;

/** Server-sent events: the seed's client holds `/stream` open; cross-instance events travel over Socket.IO. */
const STREAM_KEEPALIVE_MS = 20_000;

export function serviceRoutes(ctx: ChatContext, openStreams: OpenStreams) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get("/healthz", { config: { public: true }, logLevel: "warn", schema: { response: { 200: HealthAnswer, 503: HealthAnswer } } }, async (_request, reply) => {
      try {
        await Promise.race([
          pingRedis(ctx.redis),
          new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 1000).unref()),
        ]);
        return { status: "ok" as const };
      } catch {
        return reply.code(503).send({ status: "unavailable" as const, message: "Redis does not answer" });
      }
    });

    /** The seed's links to its source; none here. */
    app.get("/links", { config: { public: true }, schema: { response: { 200: z.record(z.string(), z.string()) } } }, async () => ({}));

    app.get("/randomname", { config: { public: true }, schema: { response: { 200: z.string() } } }, async () => {
      for (let attempt = 0; ; attempt++) {
        const name = `${pick(ADJECTIVES)}${pick(NOUNS)}${attempt > 3 ? randomInt(1000) : ""}`;
        if ((await ctx.redis.exists(keys.username(name))) === 0) return name;
      }
    });

    app.get("/stream", {
      schema: {
        response: {
          200: {
            description: "Server-sent events kept open for the seed's client: comments only (keepalives); live events travel over Socket.IO",
            content: { "text/event-stream": { schema: z.string() } },
          },
        },
      },
    }, async (request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      reply.raw.write(": connected\n\n");
      const sessionId = request.sessionId;
      const timer = setInterval(() => {
        // A session ended where this instance did not hear it (sharded pub/sub) closes here within one keepalive.
        if (sessionId) void ctx.sessions.get(sessionId).then((user) => (user ? undefined : end()), () => {});
        reply.raw.write(": keepalive\n\n");
      }, STREAM_KEEPALIVE_MS);
      const end = () => {
        clearInterval(timer);
        release();
        reply.raw.end();
      };
      const release = openStreams.add(sessionId, end);
      request.raw.on("close", end);
    });
  };
  return plugin;
}
