import pino, { type Logger } from "pino";
import pinoPretty from "pino-pretty";

export type { Logger };

/**
 * The server's pino logger. On a terminal (stdout is a TTY) lines are printed readably by pino's
 * own pretty printer (pino-pretty, in-process: no worker thread, nothing lost at exit); anywhere
 * else (a file, journald, a log shipper) one JSON object per line, as pino writes them.
 * `pretty` overrides the TTY check (tests).
 */
export function createLogger(level: string, name = "redis-chat", pretty = Boolean(process.stdout.isTTY)): Logger {
  const options = { name, level, base: { pid: process.pid } };
  if (!pretty || level === "silent") return pino(options);
  return pino(options, prettyStream());
}

function prettyStream() {
  // pino-pretty is CommonJS; its default export is the stream factory.
  return pinoPretty({ colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,name", sync: true });
}
