import type { FastifyError, FastifyInstance } from "fastify";
import { ZodError, type ZodType } from "zod";
import { noteRedisTrouble } from "../redis/trouble.js";

/** An error with an HTTP status whose message is safe to show the client. */
export class HttpError extends Error {
  /** `body`: more fields of the error body (ErrorBody's), besides `message`. */
  constructor(readonly statusCode: number, message: string, readonly body?: Record<string, unknown>) {
    super(message);
  }
}

/**
 * One readable sentence from a zod error: "username: must not be empty". A message written as a
 * sentence for people ("The place needs a name": a capital first) stands alone, without the field's name.
 */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length && !/^\p{Lu}/u.test(issue.message) ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/**
 * Route schemas are zod schemas: their parse result (with transforms) becomes the request part.
 * A missing body (none sent: Fastify gives undefined or null) is read as `{}`, so a body whose
 * fields are all optional may be left out (see empty-bodies.ts).
 */
export function zodValidatorCompiler({ schema, httpPart }: { schema: unknown; httpPart?: string }) {
  const zod = schema as ZodType;
  return (data: unknown) => {
    const result = zod.safeParse(httpPart === "body" && (data === undefined || data === null) ? {} : data);
    return result.success ? { value: result.data } : { error: new HttpError(400, describeZodError(result.error)) };
  };
}

/** Every error leaves as JSON `{message}` with the right status; internals are logged, not shown. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ ...err.body, message: err.message });
    // Unreachable, stalled past REDIS_COMMAND_TIMEOUT_MS, out of memory...: logged once per episode.
    if (noteRedisTrouble(app.log, err, `${request.method} ${request.routeOptions.url ?? request.url}`)) {
      return reply.code(503).send({ message: "The database is unavailable; please try again shortly." });
    }
    const status = (err as FastifyError).statusCode;
    const retryAfter = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (status === 429 && typeof retryAfter === "number") {
      return reply.code(429).header("retry-after", retryAfter).send({ message: err.message, retryAfter });
    }
    if (status && status >= 400 && status < 500) {
      const message = (err as FastifyError).code === "FST_ERR_CTP_BODY_TOO_LARGE" ? "request body is too large" : err.message;
      return reply.code(status).send({ message });
    }
    request.log.error({ err }, "request failed");
    return reply.code(500).send({ message: "Internal server error" });
  });
}
