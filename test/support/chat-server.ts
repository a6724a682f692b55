import { spawn, type ChildProcess } from "node:child_process";
import { createChatServer, type ChatServerInstance } from "../../src/server/app.js";
import { loadConfig, type Config } from "../../src/server/config.js";
import { createLogger, type Logger } from "../../src/server/logger.js";
import { freePort } from "./redis-server.js";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TEST_SESSION_SECRET = "test-session-secret-0123456789abcdef";

export interface RunningChatServer {
  url: string;
  instance: ChatServerInstance;
  close(): Promise<void>;
}

/** One in-process instance on a free loopback port, quiet, without demo data or rate limits unless asked. */
export async function startChatServer(options: { redisUrl: string; logger?: Logger } & Partial<Config>): Promise<RunningChatServer> {
  const { redisUrl, logger, ...overrides } = options;
  const config = loadConfig(
    {},
    {
      port: 0,
      host: "127.0.0.1",
      redisUrl,
      sessionSecret: TEST_SESSION_SECRET,
      sessionSecretGenerated: false,
      demoData: false,
      // Tests register accounts freely, as a deployment configured by its environment does (issue 18).
      setupByEnvironment: true,
      logLevel: process.env.TEST_LOG_LEVEL ?? "silent",
      messageRateLimit: 0,
      messageActionRateLimit: 0,
      roomCreateRateLimit: 0,
      maxRoomsPerCreator: 0,
      loginRateLimit: 0,
      loginRateLimitPerAddress: 0,
      socketEventBudget: 0,
      maxSocketsPerUser: 0,
      // Uploaded files in a folder of the test's own (created on first upload), never the repo's ./data.
      attachments: { ...loadConfig({}).attachments, dir: join(tmpdir(), `redis-chat-test-files-${randomBytes(6).toString("hex")}`) },
      ...overrides,
    },
  );
  const instance = await createChatServer(config, logger ?? createLogger(config.logLevel));
  const url = await instance.listen();
  return { url, instance, close: () => instance.close() };
}

export interface ChatServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** SIGKILL: a crash, with no cleanup. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/** A separate server process (built `dist/server/main.js`), for crash tests. */
export async function startChatServerProcess(env: Record<string, string>): Promise<ChatServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["dist/server/main.js"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      SESSION_SECRET: TEST_SESSION_SECRET,
      DEMO_DATA: "false",
      REGISTRATION: "open",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
      MESSAGE_RATE_LIMIT: "0",
      LOGIN_RATE_LIMIT: "0",
      LOGIN_RATE_LIMIT_PER_ADDRESS: "0",
      SOCKET_EVENT_BUDGET: "0",
      MAX_SOCKETS_PER_USER: "0",
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  // Half a second on a quiet machine; far more when many test files start at once.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server process exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("server process did not start within 30 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = () =>
    new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
  return {
    url,
    port,
    child,
    async kill() {
      child.kill("SIGKILL");
      await exited();
    },
    async stop() {
      child.kill("SIGTERM");
      await exited();
    },
  };
}
