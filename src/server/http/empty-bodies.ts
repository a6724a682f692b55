import type { FastifyInstance } from "fastify";

/**
 * A request with no body at all (`curl -X POST`, with or without `Content-Type: application/json`)
 * reaches validation as "no body" instead of failing in the JSON parser; the route's zod schema
 * then decides (zodValidatorCompiler reads a missing body as `{}`), so every route whose body
 * fields are all optional accepts it and one with a required field says which.
 */
export function acceptEmptyJsonBodies(app: FastifyInstance): void {
  // Fastify's own parser, keeping its protection against __proto__ / constructor poisoning.
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === "") return done(null, undefined);
    parseJson(request, text, done);
  });
}
