/**
 * `npx tsx bench/switch-profile.ts [--messages 210] [--rounds 3]`
 *
 * What the long tasks of a room switch are made of (issue 19): the list scenario's setup (General
 * with `messages` messages, a DM with Joe), then rounds of General -> Joe -> General under the CDP
 * sampling profiler. Busy stretches of the main thread (samples not idle, gaps under 2 ms) are the
 * tasks; for each over 30 ms: its length, the functions with the most self time and the most total
 * time (a frame counted once per sample). Long tasks seen by PerformanceObserver are printed too.
 *
 * Needs the client built (`npm run build:client`; `-- --minify false` keeps the function names).
 */
import { writeFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { api, connect, login, send } from "../test/support/chat-client.js";
import { startChatServer } from "../test/support/chat-server.js";
import { startRedis } from "../test/support/redis-server.js";
import { conversationWithJoe, longTaskContext } from "./scenarios/list.js";

const PASSWORD = "password123";
const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1]! : fallback;
};
const total = Number(opt("messages", "210"));
const rounds = Number(opt("rounds", "3"));

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

interface TraceEvent { name: string; cat: string; ph: string; ts: number; dur?: number; tdur?: number; pid: number; tid: number; args?: { name?: string; data?: Record<string, unknown> } }

/**
 * The long tasks (over 50 ms) of the page's main thread in the trace, each with the self time of
 * every trace event in it by name (JS calls, style, layout, paint...) and, from the profiler's
 * samples in the same span (both clocks are the browser's monotonic microseconds), the functions
 * with the most self and total time.
 */
function summarise(trace: { traceEvents: TraceEvent[] }, profile: Profile, label: string): number[] {
  const events = trace.traceEvents;
  const main = events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`);
  const onMain = events.filter((e) => e.ph === "X" && main.includes(`${e.pid}:${e.tid}`) && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const tasks = onMain.filter((e) => (e.name === "RunTask" || e.name === "ThreadControllerImpl::RunTask") && (e.dur! > 50_000 || (e.tdur ?? 0) > 20_000));
  // Nested tasks of the two names: keep the outer ones.
  const outer = tasks.filter((t) => !tasks.some((o) => o !== t && o.ts <= t.ts && o.ts + o.dur! >= t.ts + t.dur! && o.dur! > t.dur!));
  const seen = new Set<string>();
  const unique = outer.filter((t) => { const k = `${t.ts}`; if (seen.has(k)) return false; seen.add(k); return true; });

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: Node) => {
    const f = n.callFrame;
    const file = (f.url.split("/").pop() ?? "").replace(/-[A-Za-z0-9_-]{8}\.js$/, ".js");
    return `${f.functionName || "(anon)"}${file ? ` ${file}:${f.lineNumber + 1}` : ""}`;
  };
  let t = profile.startTime;
  const times = profile.timeDeltas.map((d) => (t += d));
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, v]) => `    ${(v / 1000).toFixed(1).padStart(6)} ms  ${k}`).join("\n");

  console.log(`\n=== ${label}: ${unique.length} long tasks`);
  for (const task of unique) {
    const end = task.ts + task.dur!;
    const inside = onMain.filter((e) => e.ts >= task.ts && e.ts + e.dur! <= end && e !== task);
    // Self time by event name: an event's time less that of the events directly inside it.
    const self = new Map<string, number>();
    const stack: TraceEvent[] = [];
    const childTime = new Map<TraceEvent, number>();
    for (const e of inside) {
      while (stack.length && stack[stack.length - 1]!.ts + stack[stack.length - 1]!.dur! <= e.ts) stack.pop();
      const p = stack[stack.length - 1];
      if (p) childTime.set(p, (childTime.get(p) ?? 0) + e.dur!);
      stack.push(e);
    }
    for (const e of inside) {
      const key = e.name === "FunctionCall" || e.name === "TimerFire" || e.name === "EventDispatch" ? `${e.name} ${String((e.args?.data as { type?: string; functionName?: string } | undefined)?.type ?? (e.args?.data as { functionName?: string } | undefined)?.functionName ?? "")}` : e.name;
      self.set(key, (self.get(key) ?? 0) + e.dur! - (childTime.get(e) ?? 0));
    }
    const selfF = new Map<string, number>();
    const totalF = new Map<string, number>();
    for (let i = 0; i < profile.samples.length; i++) {
      if (times[i]! < task.ts || times[i]! > end) continue;
      const dt = (times[i + 1] ?? times[i]!) - times[i]!;
      let node = byId.get(profile.samples[i]!)!;
      selfF.set(name(node), (selfF.get(name(node)) ?? 0) + dt);
      const counted = new Set<string>();
      for (;;) {
        const k = name(node);
        if (!counted.has(k)) { counted.add(k); totalF.set(k, (totalF.get(k) ?? 0) + dt); }
        const p = parent.get(node.id);
        if (p === undefined) break;
        node = byId.get(p)!;
      }
    }
    const kinds = [...new Set(inside.filter((e) => e.name === "EventDispatch" || e.name === "TimerFire" || e.name === "FireAnimationFrame" || e.name === "ResizeObserver").map((e) => e.name === "EventDispatch" ? String((e.args?.data as { type?: string } | undefined)?.type) : e.name))].join(",");
    console.log(`-- task at +${((task.ts - profile.startTime) / 1000).toFixed(0)} ms [${kinds}] ${(task.dur! / 1000).toFixed(1)} ms, CPU ${((task.tdur ?? 0) / 1000).toFixed(1)} ms (trace events, self wall time):\n${top(self, 16)}`);
    console.log(`  JS self (samples):\n${top(selfF, 14)}`);
    console.log(`  JS total (samples):\n${top(totalF, 45)}`);
  }
  console.log(`tasks (+start: wall/CPU ms): ${unique.map((u) => `+${Math.round((u.ts - profile.startTime) / 1000)}: ${Math.round(u.dur! / 1000)}/${Math.round((u.tdur ?? 0) / 1000)}`).join("  ")}`);
  return unique.map((u) => Math.round(u.dur! / 1000));
}

// Rows put in and taken out of the list, by batch (a batch: one commit), from the click on.
const WATCH_ROWS = `(() => {
  const w = window; w.__rows = [];
  const t0 = performance.now();
  w.__rowsObserver = new MutationObserver((records) => {
    let added = 0, removed = 0;
    for (const r of records) {
      for (const n of r.addedNodes) if (n.nodeType === 1 && n.matches("li.msg")) added++;
      for (const n of r.removedNodes) if (n.nodeType === 1 && n.matches("li.msg")) removed++;
    }
    const el = document.querySelector(".messages");
    w.__rows.push("+" + Math.round(performance.now() - t0) + "ms +" + added + "/-" + removed + " top " + Math.round(el.scrollTop));
  });
  w.__rowsObserver.observe(document.querySelector(".messages ol") ?? document.querySelector(".messages"), { childList: true, subtree: true });
})()`;
const TAKE_ROWS = `(() => { window.__rowsObserver.disconnect(); return window.__rows.join(" | "); })()`;

const redis = await startRedis();
// --client-dir: another build of the client (e.g. `vite build --minify false --outDir /tmp/client`, for names).
const clientDir = opt("client-dir", "");
const server = await startChatServer({ redisUrl: redis.url, port: 0, demoData: true, messageRateLimit: 1_000_000, ...(clientDir ? { clientDir } : {}) });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const writers = await Promise.all(["Joe", "Mary", "Alex", "Pablo"].map(async (n) => connect(server.url, (await login(server.url, n, PASSWORD)).cookie)));
  let next = 0;
  await Promise.all(writers.map(async (s, w) => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const words = ["deploy", "review", "branch", "lunch", "meeting", "tests", "release", "ticket", "logs", "cache", "Redis", "latency"];
      let text = Array.from({ length: 3 + ((i * 7) % 40) }, (_, k) => words[(i + k * 5) % words.length]).join(" ");
      if (i % 9 === 0) text += "\nsecond line\nthird line";
      if (i % 13 === 0) text += " https://status.example.com/incident/" + i;
      await send(s, { roomId: "0", message: `${i}: ${text}`, clientId: `p-${w}-${i}` }, 30_000);
    }
  }));
  for (const s of writers) s.disconnect();
  await conversationWithJoe(server.url);
  const context = await longTaskContext(browser);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await page.goto(server.url);
  await page.getByLabel("Username").fill("Mary");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator(".messages[data-loaded]").waitFor({ timeout: 30_000 });
  await page.locator("li.msg").first().waitFor();
  const loaded = () => page.evaluate(() => Number(document.querySelector(".messages")?.getAttribute("data-loaded") ?? 0));
  for (let guard = 0; (await loaded()) < Math.min(total, 200) && guard < 200; guard++) {
    await page.evaluate(() => { document.querySelector(".messages")!.scrollTop = 0; });
    await page.waitForTimeout(250);
  }
  await page.waitForTimeout(1000);
  console.log(`loaded ${await loaded()}`);
  // Where the bench leaves the reader: at the top of what is loaded.
  await page.evaluate(() => { document.querySelector(".messages")!.scrollTop = 0; });
  await page.waitForTimeout(500);

  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  const nav = page.getByRole("navigation", { name: "Chats" });
  for (let r = 0; r < rounds; r++) {
    await page.evaluate(() => { (window as unknown as { __longTasks: number[] }).__longTasks.length = 0; });
    await browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel", "v8", "blink"] });
    await cdp.send("Profiler.start");
    await nav.getByRole("button", { name: "Joe", exact: true }).click();
    await page.locator("li.msg", { hasText: "hello 19" }).waitFor();
    await page.waitForTimeout(400);
    await page.evaluate(WATCH_ROWS);
    await nav.getByRole("button", { name: "General" }).click();
    await page.waitForTimeout(600);
    console.log(`rows drawn on the way back: ${await page.evaluate(TAKE_ROWS)}`);
    const { profile } = (await cdp.send("Profiler.stop")) as { profile: Profile };
    const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
    const long = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.splice(0));
    writeFileSync(`/tmp/switch-profile-${r}.cpuprofile`, JSON.stringify(profile));
    console.log(`\n##### round ${r}: longtask entries ${JSON.stringify(long)}`);
    writeFileSync(`/tmp/switch-trace-${r}.json`, JSON.stringify(trace));
    summarise(trace, profile, `round ${r}`);
    await page.evaluate(() => { document.querySelector(".messages")!.scrollTop = 0; });
    await page.waitForTimeout(500);
  }
  await context.close();
} finally {
  await browser.close().catch(() => {});
  await server.close().catch(() => {});
  await redis.kill();
}
