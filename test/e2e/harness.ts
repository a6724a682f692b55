import { afterAll, afterEach, beforeAll } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { existsSync } from "node:fs";
import type { Config } from "../../src/server/config.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { freePort, startRedis, type RedisServerHandle } from "../support/redis-server.js";

export const CHROMIUM = "/usr/bin/chromium";
export const DEMO_PASSWORD = "password123";

/** Debian's Chromium, headless, with everything that would reach the network switched off. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
}

/** What a browser test file runs against: set once its `beforeAll` has run. */
export interface BrowserStack {
  readonly stack: Stack;
  readonly browser: Browser;
}

/**
 * Registers the hooks of a browser test file: one stack (see `startStack`, with `config`) and one
 * Chromium for the whole file, every browser context closed after each test, both stopped at the
 * end. Read `env.stack` and `env.browser` inside tests and hooks.
 */
export function useBrowserStack(config: Partial<Config> = {}): BrowserStack {
  const env = {} as { stack: Stack; browser: Browser };
  beforeAll(async () => {
    [env.stack, env.browser] = await Promise.all([startStack(config), launchChromium()]);
  });
  afterEach(closeContexts);
  afterAll(async () => {
    await env.browser?.close();
    await env.stack?.close();
  });
  return env;
}

export interface Stack {
  redis: RedisServerHandle;
  server: RunningChatServer;
  url: string;
  port: number;
  /** Stops the server and starts a new one on the same port and Redis (sessions survive). */
  restartServer(downMs?: number, whileDown?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/**
 * A private redis-server and one in-process chat server with the demo users, on loopback.
 * `config` overrides server settings (e.g. `{ registration: "invite", adminUsernames: ["Pablo"] }`).
 */
export async function startStack(config: Partial<Config> = {}): Promise<Stack> {
  // The server serves dist/client; `npm test` builds it first. Tests never build.
  if (!existsSync("dist/client/index.html")) throw new Error("dist/client is not built: run `npm run build` (npm test does)");
  const redis = await startRedis();
  const port = await freePort();
  const options = { redisUrl: redis.url, port, demoData: true, ...config };
  let server = await startChatServer(options);
  const stack: Stack = {
    redis,
    get server() {
      return server;
    },
    url: server.url,
    port,
    async restartServer(downMs = 0, whileDown) {
      await server.close();
      try {
        if (whileDown) await whileDown();
        if (downMs) await new Promise((r) => setTimeout(r, downMs));
      } finally {
        // Up again even when a check while it was down failed, so later tests are not hit by it.
        server = await startChatServer(options);
      }
    },
    async close() {
      await server.close();
      await redis.kill();
    },
  };
  return stack;
}

const openContexts = new Set<BrowserContext>();

/** Closes every context a test left open, so one failure does not leak users into the next test. */
export async function closeContexts(): Promise<void> {
  await Promise.all([...openContexts].map((c) => c.close().catch(() => {})));
  openContexts.clear();
}

export async function newPage(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
  options: { colorScheme?: "light" | "dark" } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, ...options });
  openContexts.add(context);
  context.on("close", () => openContexts.delete(context));
  const page = await context.newPage();
  return { context, page };
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, url: string, username: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await waitOnline(page);
}

/** The live connection is up (the header says so), not only the first REST calls. */
export async function waitOnline(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).waitFor();
  await page.locator(".me__name").getByText("Online", { exact: true }).waitFor();
}

export function chats(page: Page) {
  return page.getByRole("navigation", { name: "Chats" });
}

export function people(page: Page) {
  return page.getByRole("region", { name: "People" });
}

export function messageList(page: Page) {
  return page.getByRole("log");
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}
