import { createChatServer } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";

/** Process entry: configuration from the environment, clean shutdown on SIGTERM and SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`redis-chat: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  if (config.sessionSecretGenerated) {
    log.info("SESSION_SECRET is not set: session cookies are signed with the secret kept in Redis (secrets:session), shared by every instance on it");
  }

  let server;
  try {
    server = await createChatServer(config, log);
  } catch (err) {
    if (err instanceof ConfigError) {
      log.fatal(err.message);
      process.exit(2);
    }
    log.fatal({ err: String(err) }, `cannot reach Redis at ${config.redisUrl}: start redis-server or set REDIS_URL`);
    process.exit(1);
  }
  const url = await server.listen();
  log.info(`open ${url}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, "shutting down: not ready, draining");
    // Bounded: whatever is left after DRAIN_TIMEOUT_MS (plus a second to close) is cut off.
    const force = setTimeout(() => process.exit(1), config.drainTimeoutMs + 1000);
    force.unref();
    await server.drain(config.drainTimeoutMs);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // Started by `npm start` (scripts/start.mjs) with an IPC channel: when that process dies, even by
  // SIGKILL, the channel closes and the server stops too, rather than holding PORT with nobody
  // to stop it.
  if (process.send) process.on("disconnect", () => void stop("launcher gone"));
  process.on("unhandledRejection", (reason) => log.error({ err: String(reason) }, "unhandled rejection"));
}

void main();
