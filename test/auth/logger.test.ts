import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Fastify, { type FastifyBaseLogger } from "fastify";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { requestLogOptions } from "../../src/server/http/request-log.js";
import { startChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";

const run = promisify(execFile);

/** Logs one line the way the server does, from a child process whose stdout is a pipe or a terminal. */
const program = `import { createLogger } from "./src/server/logger.ts"; createLogger("info").info({ roomId: "0" }, "redis-chat is listening");`;
const node = `${JSON.stringify(process.execPath)} --import tsx -e ${JSON.stringify(program).replace(/\$/g, "\\$")}`;

describe("the server log", () => {
  it("is one JSON object per line when stdout is not a terminal", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "-e", program]);
    const line = JSON.parse(stdout.trim());
    expect(line).toMatchObject({ level: 30, msg: "redis-chat is listening", roomId: "0", name: "redis-chat" });
  });

  it("is printed readably by pino-pretty when stdout is a terminal", async () => {
    // util-linux `script` gives the child a pseudo-terminal.
    const { stdout } = await run("script", ["-qec", node, "/dev/null"]);
    const text = stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    expect(text).toMatch(/\d\d:\d\d:\d\d\.\d{3}\] INFO: redis-chat is listening/);
    expect(text).toMatch(/roomId: "0"/);
    expect(text).not.toContain('{"level"');
  });
});

/** A pino logger at `level` whose lines land in `lines` (parsed). */
function memoryLogger(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ name: "redis-chat", level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

const requestLines = (lines: Array<Record<string, unknown>>) =>
  lines.filter((line) => ["incoming request", "request completed", "no such route"].includes(String(line.msg)) || /^Route .* not found$/.test(String(line.msg)));

describe("HTTP requests in the server log", () => {
  const handles = usePrivateRedis();

  async function serverLogging(level: string) {
    const { log, lines } = memoryLogger(level);
    const server = await startChatServer({ redisUrl: handles.redis.url, logger: log, logLevel: level });
    const requests = ["/", "/users/online", "/no-such-route"];
    // The probes are polled every few seconds and quiet below warn at any level (their routes say so).
    for (const path of ["/healthz", ...requests, "/readyz"]) await fetch(`${server.url}${path}`).then((res) => res.arrayBuffer());
    await server.close();
    return { lines, requests };
  }

  it("are not logged at the default level (info) when they succeed or are refused quickly", async () => {
    const { lines } = await serverLogging("info");
    // A request slower than 1 s is logged (below); on a loaded machine any one may be.
    expect(requestLines(lines).filter((line) => !line.slow)).toEqual([]);
    expect(lines.map((line) => line.msg)).toContain("redis-chat is listening");
  });

  it("are one line each at debug, with method, path, status and time (probes excepted)", async () => {
    const { lines, requests } = await serverLogging("debug");
    const logged = requestLines(lines);
    expect(logged.map((line) => line.url)).toEqual(requests);
    expect(logged.every((line) => line.msg === "request completed" && line.level === 20)).toBe(true);
    expect(logged[0]).toMatchObject({ method: "GET", url: "/", statusCode: 200 });
    expect(typeof logged[0]!.responseTime).toBe("number");
  });

  it("are logged at info when they fail on the server (5xx but 503) or are slow", async () => {
    const { log, lines } = memoryLogger("info");
    const app = Fastify({ loggerInstance: log as FastifyBaseLogger, ...requestLogOptions(100) });
    app.get("/fine", async () => ({ ok: true }));
    app.get("/broken", async (_request, reply) => reply.code(500).send({ message: "broken" }));
    app.get("/unavailable", async (_request, reply) => reply.code(503).send({ message: "try again" }));
    app.get("/slow", async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return { ok: true };
    });
    for (const url of ["/fine", "/broken", "/unavailable", "/slow", "/fine"]) await app.inject({ url });
    await app.close();
    const logged = requestLines(lines);
    expect(logged.map((line) => [line.url, line.statusCode, line.level])).toEqual([
      ["/broken", 500, 30],
      ["/slow", 200, 30],
    ]);
    expect(logged[1]).toMatchObject({ slow: true });
    expect(logged[1]!.responseTime).toBeGreaterThanOrEqual(100);
  });
});
