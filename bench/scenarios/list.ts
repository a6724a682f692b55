/**
 * `npm run bench -- --scenario list [--messages 5000] [--at 200,1000,5000]`
 *
 * The web client's message list at any length (issue 19), in Debian's Chromium at 1440x900:
 * `messages` messages are stored in General by four people, then a reader scrolls back through
 * history until `at` messages are loaded, page after page. At each of those, reported: DOM elements
 * and rendered message rows, JS heap (after a garbage collection), long tasks (PerformanceObserver
 * `longtask`, over 50 ms) while switching to another room and back and on a tick of the 30-second
 * clock (ticked at once through the client's test hook), and the scroll jumps when older pages
 * arrive: each page's request is held until the reader's scroll has settled and the top visible
 * message's offset is noted, then its offset is read in every frame as it is painted while the page
 * arrives and settles; the largest change, over 1 px, counts as a jump (see olderPage).
 *
 * Needs the client built (`npm run build:client`); the server runs in this process.
 */
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { api, connect, login, send } from "../../test/support/chat-client.js";
import { startChatServer } from "../../test/support/chat-server.js";
import { freePort, startRedis } from "../../test/support/redis-server.js";

const CHROMIUM = "/usr/bin/chromium";
const PASSWORD = "password123";
const WRITERS = ["Joe", "Mary", "Alex", "Pablo"];

interface Point {
  loaded: number;
  domElements: number;
  renderedRows: number;
  heapMB: number;
  switchMs: number;
  switchLongTasksMs: number[];
  clockLongTasksMs: number[];
  olderPages: number;
  /** Pages measured: those that arrived with a message on screen to watch. */
  measuredPages: number;
  scrollJumps: number;
  maxJumpPx: number;
  /** Each jump over 1 px: the largest move of the top visible message, any frame, as that older page arrived. */
  jumpsPx: number[];
}

function arg(argv: string[], name: string, fallback: string): string {
  const at = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (at < 0) return fallback;
  const a = argv[at]!;
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[at + 1] ?? fallback;
}

/** Message texts of realistic, varied length: one line, a few lines, a link now and then. */
function textOf(i: number): string {
  const words = ["deploy", "review", "branch", "lunch", "meeting", "tests", "release", "ticket", "logs", "cache", "Redis", "latency"];
  const n = 3 + ((i * 7) % 40);
  let out = Array.from({ length: n }, (_, k) => words[(i + k * 5) % words.length]).join(" ");
  if (i % 9 === 0) out += "\nsecond line\nthird line";
  if (i % 13 === 0) out += " https://status.example.com/incident/" + i;
  return `${i}: ${out}`;
}

async function store(url: string, total: number): Promise<void> {
  const sockets = await Promise.all(WRITERS.map(async (name) => connect(url, (await login(url, name, PASSWORD)).cookie)));
  let next = 0;
  await Promise.all(sockets.map(async (socket, w) => {
    // Runs of a few messages per person, as conversations go (rows with and without headers).
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const ack = await send(socket, { roomId: "0", message: textOf(i), clientId: `list-${w}-${i}` }, 30_000);
      if (!ack.ok) throw new Error(`store ${i}: ${ack.error}`);
    }
  }));
  for (const s of sockets) s.disconnect();
}

/** Mary, the reader, and her conversation with Joe: 20 messages ("hello 0" to "hello 19"). */
export async function conversationWithJoe(url: string) {
  const reader = await login(url, "Mary", PASSWORD);
  const joe = await login(url, "Joe", PASSWORD);
  const room = await api(url, "/room", joe.cookie, { method: "POST", body: JSON.stringify({ user1: joe.user.id, user2: reader.user.id }) });
  const joeSocket = await connect(url, joe.cookie);
  for (let i = 0; i < 20; i++) await send(joeSocket, { roomId: room.body.id, message: `hello ${i}`, clientId: `dm-${i}` });
  joeSocket.disconnect();
  return reader;
}

/** A 1440x900 browser context whose pages record every long task's duration in `window.__longTasks`. */
export async function longTaskContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.__longTasks.push(Math.round(entry.duration));
    }).observe({ type: "longtask", buffered: true });
  });
  return context;
}

export async function runList(argv: string[]): Promise<void> {
  const total = Number(arg(argv, "messages", "5000"));
  const points = arg(argv, "at", "200,1000,5000").split(",").map(Number).filter((n) => n > 0 && n <= total);
  if (!existsSync("dist/client/index.html")) throw new Error("dist/client is not built: run `npm run build:client`");
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);

  const redis = await startRedis();
  const port = await freePort();
  const server = await startChatServer({ redisUrl: redis.url, port, demoData: true, messageRateLimit: 1_000_000 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    const started = Date.now();
    await store(server.url, total);
    console.log(`list: stored ${total} messages in General in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // The room to switch to and back from: a conversation with a few messages.
    const reader = await conversationWithJoe(server.url);
    const context = await longTaskContext(browser);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await page.goto(server.url);
    await page.getByLabel("Username").fill(reader.user.username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".messages[data-loaded]").waitFor({ timeout: 30_000 });
    await page.locator("li.msg").first().waitFor();

    const held = await holdOlderPages(page, "0");
    const results: Point[] = [];
    let pages = 0;
    let jumps = 0;
    let maxJump = 0;
    let jumpList: number[] = [];
    let measured = 0;
    for (const target of points) {
      // Older pages, one at a time, from the top of the list.
      for (let guard = 0; (await loaded(page)) < target && guard < 1000; guard++) {
        const step = await olderPage(page, held);
        if (step === null) break;
        pages++;
        if (step.anchored) measured++;
        if (Math.abs(step.jumpPx) > 1) {
          jumps++;
          jumpList.push(+step.jumpPx.toFixed(1));
        }
        maxJump = Math.max(maxJump, Math.abs(step.jumpPx));
      }
      const count = await loaded(page);
      await cdp.send("HeapProfiler.collectGarbage");
      const heap = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number };
      const dom = await page.evaluate(() => ({
        elements: document.getElementsByTagName("*").length,
        rows: document.querySelectorAll("li.msg").length,
      }));
      // Away to the conversation and back to General.
      await clearLongTasks(page);
      const switchStart = Date.now();
      await page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: "Joe", exact: true }).click();
      await page.locator("li.msg", { hasText: "hello 19" }).waitFor();
      await page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: "General" }).click();
      await page.waitForFunction((n) => Number(document.querySelector(".messages")?.getAttribute("data-loaded")) >= n
        && document.querySelector(".messages li.msg") !== null, count);
      const switchMs = Date.now() - switchStart;
      await page.waitForTimeout(300);
      const switchLong = await takeLongTasks(page);
      // One tick of the clock.
      await page.evaluate(() => (window as unknown as { __chatClockTick: () => void }).__chatClockTick());
      await page.waitForTimeout(300);
      const clockLong = await takeLongTasks(page);
      const point: Point = {
        loaded: count, domElements: dom.elements, renderedRows: dom.rows, heapMB: +(heap.usedSize / 1048576).toFixed(1),
        switchMs, switchLongTasksMs: switchLong, clockLongTasksMs: clockLong, olderPages: pages, measuredPages: measured, scrollJumps: jumps, maxJumpPx: +maxJump.toFixed(1), jumpsPx: jumpList,
      };
      jumpList = [];
      results.push(point);
      console.log(`list: ${JSON.stringify(point)}`);
      // Back where the reading was: the top of what is loaded.
      await page.evaluate(() => { document.querySelector(".messages")!.scrollTop = 0; });
      await page.waitForTimeout(300);
    }
    printTable(results);
    if (argv.includes("--no-write")) {
      await context.close();
      return;
    }
    mkdirSync("docs/benchmarks", { recursive: true });
    writeFileSync("docs/benchmarks/latest-list.json", JSON.stringify({
      scenario: "list", command: `npm run bench -- ${argv.join(" ")}`, date: new Date().toISOString(),
      messages: total, viewport: "1440x900", results,
    }, null, 2) + "\n");
    await context.close();
  } finally {
    await browser.close().catch(() => {});
    await server.close().catch(() => {});
    await redis.kill();
  }
}

async function loaded(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.querySelector(".messages")?.getAttribute("data-loaded") ?? 0));
}

async function clearLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => { (window as unknown as { __longTasks: number[] }).__longTasks.length = 0; });
}

async function takeLongTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.splice(0));
}

/**
 * Scrolls up with the mouse wheel, as a reader does (300 px at a time), until the list asks for the
 * next older page. That request is held (page.route) until the wheel's scroll has settled and the
 * top visible message and its offset are noted, so every page is measured and none is confused
 * with the reader's own scrolling. Then it is let through, and the message's offset is sampled in
 * every frame, just before it is painted, until 600 ms after the page is in: the jump is the largest
 * change seen (a row that moves and is put back a frame later still moved on screen). Null: the
 * start of history.
 */
async function olderPage(page: Page, held: HeldPages): Promise<{ jumpPx: number; anchored: boolean } | null> {
  const before = await loaded(page);
  if (await page.getByText("This is the beginning of the conversation.").count()) return null;
  const box = await page.locator(".messages").boundingBox();
  if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !held.waiting()) {
    await page.mouse.wheel(0, -300);
    await page.evaluate(FRAMES);
    await page.waitForTimeout(60);
  }
  if (!held.waiting()) return null;
  // The wheel's scroll (smooth or not) has ended: the same scrollTop over a few frames.
  await page.evaluate(SETTLED);
  const noted = (await page.evaluate(NOTE)) as { id: string; offset: number } | null;
  if (noted) await page.evaluate(`(${WATCH})(${JSON.stringify(noted.id)}, ${noted.offset})`);
  held.release();
  await page.waitForFunction((n) => Number(document.querySelector(".messages")?.getAttribute("data-loaded")) !== n, before, { timeout: 20_000 });
  await page.waitForTimeout(600);
  if (!noted) return { jumpPx: 0, anchored: false };
  const worst = (await page.evaluate(STOP_WATCH)) as number;
  return { jumpPx: worst, anchored: true };
}

/** Older-history requests of a room (offset > 0), held until released one at a time. */
interface HeldPages {
  waiting(): boolean;
  release(): void;
}

async function holdOlderPages(page: Page, roomId: string): Promise<HeldPages> {
  const queue: Array<() => void> = [];
  const path = `/room/${encodeURIComponent(roomId)}/messages`;
  await page.route((url) => url.pathname === path && Number(url.searchParams.get("offset") ?? 0) > 0, async (route) => {
    await new Promise<void>((resolve) => queue.push(resolve));
    await route.continue();
  });
  return {
    waiting: () => queue.length > 0,
    release: () => { for (const go of queue.splice(0)) go(); },
  };
}

// Strings, not functions: tsx would wrap the page's inner functions in a helper it lacks there.
const FRAMES = `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))))`;
const SETTLED = `new Promise((resolve) => {
  const el = document.querySelector(".messages");
  let last = -1, same = 0;
  const tick = () => {
    if (el.scrollTop === last) same++; else { same = 0; last = el.scrollTop; }
    if (same >= 5) resolve(null); else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})`;
const NOTE = `(() => {
  const el = document.querySelector(".messages");
  const top = el.getBoundingClientRect().top;
  const anchor = [...el.querySelectorAll("li.msg[data-id]")].find((r) => r.getBoundingClientRect().bottom > top + 1);
  return anchor ? { id: anchor.dataset.id, offset: anchor.getBoundingClientRect().top - top } : null;
})()`;
// In every frame, as it is painted: a ResizeObserver reports an element it starts observing after
// the frame's layout and just before its paint, and this one, made last, after the page's own.
// Gone from the DOM counts as a jump too.
const WATCH = `(id, offset) => {
  const w = window;
  w.__jump = { worst: 0, on: true };
  const el = document.querySelector(".messages");
  const probe = new ResizeObserver(() => {
    probe.unobserve(el);
    const row = el.querySelector('li.msg[data-id="' + CSS.escape(id) + '"]');
    const delta = row ? row.getBoundingClientRect().top - el.getBoundingClientRect().top - offset : 1e9;
    if (Math.abs(delta) > Math.abs(w.__jump.worst)) w.__jump.worst = delta;
    if (w.__jump.on) requestAnimationFrame(() => probe.observe(el));
  });
  requestAnimationFrame(() => probe.observe(el));
}`;
const STOP_WATCH = `(() => { window.__jump.on = false; return window.__jump.worst; })()`;

function printTable(results: Point[]): void {
  console.log("\n| loaded | DOM elements | rows drawn | JS heap | switch away and back | long tasks (switch) | long tasks (clock tick) | older pages (measured) | scroll jumps |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const tasks = (t: number[]) => (t.length ? t.map((d) => `${d} ms`).join(", ") : "none");
    console.log(`| ${r.loaded} | ${r.domElements} | ${r.renderedRows} | ${r.heapMB} MB | ${r.switchMs} ms | ${tasks(r.switchLongTasksMs)} | ${tasks(r.clockLongTasksMs)} | ${r.olderPages} (${r.measuredPages}) | ${r.scrollJumps} (max ${r.maxJumpPx} px) |`);
  }
}
