import fastifySwagger from "@fastify/swagger";
import type { FastifyInstance, RouteOptions } from "fastify";
import { jsonSchemaTransform, serializerCompiler } from "fastify-type-provider-zod";
import { ErrorBody } from "../../protocol/index.js";

/** A route as registered (HEAD included), for the contract test: every visible one must be in the spec. */
export interface CatalogRoute {
  method: string;
  url: string;
  /** Left out of the spec on purpose (`schema.hide`: the spec itself, /metrics, static files). */
  hidden: boolean;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route registered after registerOpenApi. */
    routeCatalog: CatalogRoute[];
  }
}

/**
 * The HTTP API's contract, generated from the routes' zod schemas (the same schemas that validate
 * requests and type the handlers): OpenAPI 3.1 at `GET /openapi.json`. Register before the routes.
 *
 * Every route also gets `{message}` as its 4xx/5xx response unless it declares those statuses
 * itself, so errors are in the contract (and checked) without each route repeating it.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  const catalog: CatalogRoute[] = [];
  app.decorate("routeCatalog", catalog);
  app.addHook("onRoute", (route: RouteOptions) => {
    const schema = (route.schema ??= {}) as { response?: Record<string, unknown>; hide?: boolean };
    for (const method of [route.method].flat()) catalog.push({ method, url: route.url, hidden: Boolean(schema.hide) });
    if (schema.hide) return;
    const response = (schema.response ??= {});
    const declared = Object.keys(response);
    if (!declared.some((status) => status.startsWith("4"))) response["4xx"] = ErrorBody;
    if (!declared.some((status) => status.startsWith("5"))) response["5xx"] = ErrorBody;
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "redis-chat",
        version,
        description:
          "The REST API of redis-chat (docs/api.md has the prose). Sessions are a signed `sid` cookie from POST /login; bots use `Authorization: Bearer <token>`. Socket.IO events: docs/events.md.",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "sid" },
          botToken: { type: "http", scheme: "bearer" },
        },
      },
      security: [{ session: [] }, { botToken: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.get("/openapi.json", { schema: { hide: true }, config: { public: true } }, async (_request, reply) =>
    reply.type("application/json").send(JSON.stringify(app.swagger())),
  );
}

/**
 * fastify-type-provider-zod's serializer (responses are checked against the route's zod schema and
 * encoded by it), except for responses described by content type (`{content: {"text/event-stream":
 * ...}}`), which are not JSON and are written by the handler itself.
 */
export function responseSerializerCompiler(route: { schema: unknown; method: string; url: string; httpStatus?: string }) {
  const schema = route.schema as { content?: unknown };
  if (schema && typeof schema === "object" && "content" in schema) return (data: unknown) => (typeof data === "string" ? data : JSON.stringify(data));
  return serializerCompiler(route as Parameters<typeof serializerCompiler>[0]);
}
