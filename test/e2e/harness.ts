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
  // E2E_CPU_THROTTLE=4 runs every page's script 4x slower (Chromium's own throttling): a way to
  // find what only fails on a slow or loaded machine, on purpose. Not set by `npm test`.
  const throttle = Number(process.env.E2E_CPU_THROTTLE ?? 1);
  if (throttle > 1) await (await context.newCDPSession(page)).send("Emulation.setCPUThrottlingRate", { rate: throttle });
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

/**
 * Lets a test put a page in the background as a browser does a tab that is not in front. Headless
 * Chromium never does it by itself (every page stays "visible" and keeps drawing, brought to front
 * or not), so this does what a browser does to a hidden tab, from the page's side:
 * `document.visibilityState` "hidden" and `visibilitychange`, and no rendering: animation frames,
 * ResizeObserver notifications and scroll events wait until the page is shown again.
 * Call before the page loads; then `setHidden(page, …)`. `startHidden`: a tab opened in the background.
 */
export async function canBeHidden(context: BrowserContext, startHidden = false): Promise<void> {
  await context.addInitScript((initiallyHidden: boolean) => {
    let hidden = initiallyHidden;
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });

    // Animation frames: held while hidden (also those asked for before), run on the first frame after.
    const nativeFrame = window.requestAnimationFrame.bind(window);
    const nativeCancel = window.cancelAnimationFrame.bind(window);
    const held = new Map<number, FrameRequestCallback>();
    const scheduled = new Map<number, number>();
    let lastId = 0;
    const schedule = (id: number, callback: FrameRequestCallback) => {
      scheduled.set(id, nativeFrame((time) => {
        scheduled.delete(id);
        if (hidden) held.set(id, callback);
        else callback(time);
      }));
    };
    window.requestAnimationFrame = (callback) => {
      const id = ++lastId;
      if (hidden) held.set(id, callback);
      else schedule(id, callback);
      return id;
    };
    window.cancelAnimationFrame = (id) => {
      held.delete(id);
      const native = scheduled.get(id);
      if (native !== undefined) nativeCancel(native);
      scheduled.delete(id);
    };

    // ResizeObserver: what it would have said while hidden is said once shown (each target observed again).
    const NativeResizeObserver = window.ResizeObserver;
    const missed = new Set<HeldResizeObserver>();
    class HeldResizeObserver implements ResizeObserver {
      private readonly inner: ResizeObserver;
      readonly targets = new Map<Element, ResizeObserverOptions | undefined>();
      constructor(callback: ResizeObserverCallback) {
        this.inner = new NativeResizeObserver((entries) => {
          if (hidden) missed.add(this);
          else callback(entries, this);
        });
      }
      observe(target: Element, options?: ResizeObserverOptions) {
        this.targets.set(target, options);
        this.inner.observe(target, options);
      }
      unobserve(target: Element) {
        this.targets.delete(target);
        this.inner.unobserve(target);
      }
      disconnect() {
        this.targets.clear();
        missed.delete(this);
        this.inner.disconnect();
      }
      replay() {
        for (const [target, options] of this.targets) {
          this.inner.unobserve(target);
          this.inner.observe(target, options);
        }
      }
    }
    window.ResizeObserver = HeldResizeObserver;

    // Scroll events are part of drawing too: held, and fired once shown.
    const scrolled = new Set<EventTarget>();
    window.addEventListener("scroll", (event) => {
      if (!hidden || !event.isTrusted) return;
      event.stopImmediatePropagation();
      scrolled.add(event.target ?? document);
    }, { capture: true });

    Object.assign(window, {
      __setHidden(value: boolean) {
        if (value === hidden) return;
        hidden = value;
        document.dispatchEvent(new Event("visibilitychange"));
        if (hidden) return;
        for (const [id, callback] of held) schedule(id, callback);
        held.clear();
        for (const observer of missed) observer.replay();
        missed.clear();
        for (const target of scrolled) target.dispatchEvent(new Event("scroll"));
        scrolled.clear();
      },
    });
  }, startHidden);
}

/** Puts a page prepared by `canBeHidden` in the background (true) or in front again (false). */
export async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((value) => (window as unknown as { __setHidden(h: boolean): void }).__setHidden(value), hidden);
}

/**
 * A recorder for the page's desktop notifications (headless Chromium shows none), with `permission`.
 * `answer`: what the browser's permission prompt answers (granted unless said); `held`: it answers
 * only when the test says so (`answerPermissionPrompt`), as a person takes their time to.
 */
export async function recordNotifications(
  context: BrowserContext, permission: NotificationPermission,
  prompt: { answer?: NotificationPermission; held?: boolean } = {},
): Promise<void> {
  await context.addInitScript(({ granted, answer, held }: { granted: NotificationPermission; answer: NotificationPermission; held: boolean }) => {
    const shown: { title: string; body: string; tag: string; click(): void }[] = [];
    let release: () => void = () => {};
    const answered = held ? new Promise<void>((resolve) => { release = resolve; }) : Promise.resolve();
    class FakeNotification {
      static permission: NotificationPermission = granted;
      static async requestPermission() {
        await answered;
        FakeNotification.permission = answer;
        return answer;
      }
      onclick: (() => void) | null = null;
      constructor(title: string, options: NotificationOptions = {}) {
        shown.push({ title, body: options.body ?? "", tag: options.tag ?? "", click: () => this.onclick?.() });
      }
      close() {}
    }
    Object.assign(window, { Notification: FakeNotification, __notifications: shown, __answerPermissionPrompt: () => release() });
  }, { granted: permission, answer: prompt.answer ?? "granted", held: prompt.held ?? false });
}

/** The browser's permission prompt of a page with `recordNotifications(…, { held: true })` answers now. */
export async function answerPermissionPrompt(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as { __answerPermissionPrompt(): void }).__answerPermissionPrompt());
}

/** The desktop notifications a page with `recordNotifications` showed, oldest first. */
export function shownNotifications(page: Page) {
  return page.evaluate(() => (window as unknown as { __notifications: { title: string; body: string; tag: string }[] }).__notifications
    .map(({ title, body, tag }) => ({ title, body, tag })));
}
