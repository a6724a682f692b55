import { LogController, type FastifyReply, type FastifyRequest } from "fastify";

/** A request that took at least this long is logged at info, whatever its status. */
export const SLOW_REQUEST_MS = 1000;

/**
 * Fastify's own request logging writes two info lines per request ("incoming request" and
 * "request completed"), and one per unknown path: thousands of lines an hour from one browser,
 * hiding the warnings that matter. This writes one line per request, when it completes: at debug
 * for an ordinary request, at info when it matters: a server error (5xx, except 503: the database
 * being unavailable is already logged once per episode, and a draining instance's readiness probe
 * answers 503 every few seconds) or a slow request (`slowMs`). 4xx are the client's business and
 * stay at debug. A route's own `logLevel` still applies (the probes log only from warn).
 */
export class RequestLog extends LogController {
  constructor(private readonly slowMs = SLOW_REQUEST_MS) {
    super();
  }

  override incomingRequest(): void {}

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug({ method: request.method, url: request.url }, "no such route");
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const statusCode = reply.statusCode;
    const responseTime = Math.round(reply.elapsedTime);
    const slow = responseTime >= this.slowMs;
    const notable = Boolean(error) || (statusCode >= 500 && statusCode !== 503) || slow;
    // Flat fields: Fastify's req/res serializers expect its request and reply objects.
    const line = {
      method: request.method, url: request.url, statusCode, responseTime,
      ...(slow ? { slow: true } : {}), ...(error ? { err: error } : {}),
    };
    if (notable) request.log.info(line, "request completed");
    else request.log.debug(line, "request completed");
  }
}

/** Pass to `Fastify({...})`. */
export function requestLogOptions(slowMs = SLOW_REQUEST_MS) {
  return { logController: new RequestLog(slowMs) };
}
