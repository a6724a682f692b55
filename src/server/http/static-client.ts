import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { existsSync } from "node:fs";
import { join } from "node:path";

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><title>redis-chat</title>
<p>The web client is not built. Run <code>npm run build</code>, or use the API.</p>`;

/**
 * Serves the built web client at `/`; unknown GET paths that ask for HTML get `index.html`, so
 * client-side routes survive a reload. Everything else unknown is a JSON 404.
 */
export async function registerStaticClient(app: FastifyInstance, clientDir: string): Promise<void> {
  const index = join(clientDir, "index.html");
  const built = existsSync(index);
  if (built) {
    await app.register(fastifyStatic, { root: clientDir, prefix: "/", wildcard: false, index: ["index.html"] });
  } else {
    app.get("/", { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.type("text/html").send(PLACEHOLDER));
  }
  app.setNotFoundHandler((request, reply) => {
    const wantsPage = request.method === "GET" && (request.headers.accept ?? "").includes("text/html");
    if (wantsPage) return built ? reply.sendFile("index.html") : reply.type("text/html").send(PLACEHOLDER);
    return reply.code(404).send({ message: `Route ${request.method} ${request.url.split("?")[0]} not found` });
  });
}
