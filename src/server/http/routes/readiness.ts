import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { NotReadyAnswer, ReadyAnswer } from "../../../protocol/index.js";
import { checkReadiness, type ReadinessSources } from "../../observability/readiness.js";

const EXPLAIN = {
  redis: "Redis does not answer within 1 s",
  scripts: "the Lua scripts are not loaded in Redis",
  pubsub: "the MESSAGES subscription is down",
  accepting: "the instance is shutting down (draining)",
} as const;

/**
 * `GET /readyz`: the readiness probe (load balancers, Kubernetes). 200 `{status: "ready", checks}`
 * when every check passes, else 503 `{status: "unavailable", message, checks}` naming what fails.
 * `/healthz` stays the liveness probe.
 */
export function readinessRoutes(sources: ReadinessSources) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get("/readyz", { config: { public: true }, logLevel: "warn", schema: { response: { 200: ReadyAnswer, 503: NotReadyAnswer } } }, async (_request, reply) => {
      const { ready, checks } = await checkReadiness(sources);
      reply.header("cache-control", "no-store");
      if (ready) return { status: "ready" as const, checks };
      const failing = (Object.keys(checks) as (keyof typeof checks)[]).filter((name) => checks[name] !== "ok");
      return reply.code(503).send({ status: "unavailable" as const, message: failing.map((name) => EXPLAIN[name]).join("; "), checks });
    });
  };
  return plugin;
}
