/**
 * `npm run bench -- --scenario list [--messages 5000] [--at 200,1000,5000]`
 *
 * The web client's message list at any length (issue 19), in Debian's Chromium at 1440x900:
 * `messages` messages are stored in General by four people, then a reader scrolls back through
 * history until `at` messages are loaded, page after page. At each of those, reported: DOM elements
 * and rendered message rows, JS heap (after a garbage collection), long tasks (PerformanceObserver
 * `longtask`, over 50 ms) while switching to another room and back and on a tick of the 30-second
 * clock (ticked at once through the client's test hook), and the scroll jumps when older pages
 * arrive (the top visible message's offset before and after, more than 1 px counts).
 *
 * Needs the client built (`npm run build:client`); the server runs in this process.
 */
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { chromium, type Page } from "playwright-core";
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
  /** Pages that arrived while a scroll step was settling (their jump cannot be told apart). */
  unmeasuredPages: number;
  scrollJumps: number;
  maxJumpPx: number;
  /** Each jump over 1 px: how far the top visible message moved when that older page arrived. */
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
    const reader = await login(server.url, "Mary", PASSWORD);
    const joe = await login(server.url, "Joe", PASSWORD);
    const room = await api(server.url, "/room", joe.cookie, { method: "POST", body: JSON.stringify({ user1: joe.user.id, user2: reader.user.id }) });
    const joeSocket = await connect(server.url, joe.cookie);
    for (let i = 0; i < 20; i++) await send(joeSocket, { roomId: room.body.id, message: `hello ${i}`, clientId: `dm-${i}` });
    joeSocket.disconnect();

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript(() => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.__longTasks.push(Math.round(entry.duration));
      }).observe({ type: "longtask", buffered: true });
    });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await page.goto(server.url);
    await page.getByLabel("Username").fill(reader.user.username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".messages[data-loaded]").waitFor({ timeout: 30_000 });
    await page.locator("li.msg").first().waitFor();

    const results: Point[] = [];
    let pages = 0;
    let jumps = 0;
    let maxJump = 0;
    let jumpList: number[] = [];
    let unmeasured = 0;
    for (const target of points) {
      // Older pages, one at a time, from the top of the list.
      for (let guard = 0; (await loaded(page)) < target && guard < 1000; guard++) {
        const step = await olderPage(page);
        if (step === null) break;
        pages++;
        if (step.unmeasured) unmeasured++;
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
        switchMs, switchLongTasksMs: switchLong, clockLongTasksMs: clockLong, olderPages: pages, unmeasuredPages: unmeasured, scrollJumps: jumps, maxJumpPx: +maxJump.toFixed(1), jumpsPx: jumpList,
      };
      jumpList = [];
      results.push(point);
      console.log(`list: ${JSON.stringify(point)}`);
      // Back where the reading was: the top of what is loaded.
      await page.evaluate(() => { document.querySelector(".messages")!.scrollTop = 0; });
      await page.waitForTimeout(300);
    }
    printTable(results);
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
 * Scrolls to the top of the list, notes the top visible message and its offset, waits for the
 * next older page to arrive and settle, and returns how far that message moved (null: no more).
 */
/**
 * Scrolls up with the mouse wheel, as a reader does (300 px at a time), until the next older page
 * arrives. The top visible message is noted after each step settles and compared once the page is
 * in and drawn (no scrolling in between). Null: the start of history (or no page came).
 */
async function olderPage(page: Page): Promise<{ jumpPx: number; unmeasured?: boolean } | null> {
  const before = await loaded(page);
  if (await page.getByText("This is the beginning of the conversation.").count()) return null;
  const box = await page.locator(".messages").boundingBox();
  if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    await page.mouse.wheel(0, -300);
    await page.evaluate(FRAMES);
    // Arrived while the step was settling: moved by the reader and the page at once, not told apart.
    if ((await loaded(page)) !== before) return { jumpPx: 0, unmeasured: true };
    const noted = (await page.evaluate(NOTE)) as { id: string; offset: number } | null;
    await page.waitForTimeout(120);
    if ((await loaded(page)) === before) continue;
    await page.evaluate(FRAMES);
    await page.waitForTimeout(50);
    if (!noted) return { jumpPx: 0 };
    const now = (await page.evaluate(`(${OFFSET_OF})(${JSON.stringify(noted.id)})`)) as number | null;
    return { jumpPx: now === null ? 1e9 : now - noted.offset };
  }
  return null;
}

// Strings, not functions: tsx would wrap the page's inner functions in a helper it lacks there.
const FRAMES = `new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null))))`;
const NOTE = `(() => {
  const el = document.querySelector(".messages");
  const top = el.getBoundingClientRect().top;
  const anchor = [...el.querySelectorAll("li.msg[data-id]")].find((r) => r.getBoundingClientRect().bottom > top + 1);
  return anchor ? { id: anchor.dataset.id, offset: anchor.getBoundingClientRect().top - top } : null;
})()`;
const OFFSET_OF = `(id) => {
  const el = document.querySelector(".messages");
  const row = el.querySelector('li.msg[data-id="' + CSS.escape(id) + '"]');
  return row ? row.getBoundingClientRect().top - el.getBoundingClientRect().top : null;
}`;

function printTable(results: Point[]): void {
  console.log("\n| loaded | DOM elements | rows drawn | JS heap | switch away and back | long tasks (switch) | long tasks (clock tick) | older pages | scroll jumps |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const tasks = (t: number[]) => (t.length ? t.map((d) => `${d} ms`).join(", ") : "none");
    console.log(`| ${r.loaded} | ${r.domElements} | ${r.renderedRows} | ${r.heapMB} MB | ${r.switchMs} ms | ${tasks(r.switchLongTasksMs)} | ${tasks(r.clockLongTasksMs)} | ${r.olderPages} | ${r.scrollJumps} (max ${r.maxJumpPx} px) |`);
  }
}
