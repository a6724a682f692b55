import type { FastifyInstance } from "fastify";
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { ChatMetrics } from "./metrics.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * `GET /metrics` on the main port, only when a token is configured: `Authorization: Bearer
 * <METRICS_TOKEN>`, compared in constant time; anything else is 401. Without a token the route does
 * not exist (404), so a public instance never exposes its internals by accident.
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: ChatMetrics, token: string | undefined): void {
  if (!token) return;
  const expected = digest(token);
  app.get("/metrics", { logLevel: "warn", schema: { hide: true } }, async (request, reply) => {
    const header = request.headers.authorization ?? "";
    const presented = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!presented || !timingSafeEqual(digest(presented), expected)) {
      return reply.code(401).header("www-authenticate", "Bearer").send({ message: "A valid metrics token is required" });
    }
    const { contentType, body } = await metrics.text();
    return reply.type(contentType).send(body);
  });
}

/**
 * A separate plain HTTP listener for `/metrics` without a token (METRICS_PORT), bound to
 * `host` (loopback by default) so that only a scraper on the same host (or a sidecar) reaches it.
 * Resolves once listening.
 */
export async function startMetricsServer(metrics: ChatMetrics, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== "GET" || (request.url ?? "").split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not found"}');
      return;
    }
    metrics.text().then(
      ({ contentType, body }) => response.writeHead(200, { "content-type": contentType }).end(body),
      () => response.writeHead(500, { "content-type": "application/json" }).end('{"message":"metrics failed"}'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
