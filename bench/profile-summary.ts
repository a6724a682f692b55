/**
 * Summarises V8 .cpuprofile files (node --cpu-prof): self time per function, and per package
 * (node_modules/<name>, node: internals, the app's own files), busiest first.
 *   npx tsx bench/profile-summary.ts /tmp/prof/*.cpuprofile [--top 30]
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { ROOT } from "./launcher.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): { file: string; group: string } {
  if (!url) return { file: "", group: "(v8/native)" };
  if (url.startsWith("node:")) return { file: url, group: "node internals" };
  const path = url.replace(/^file:\/\//, "");
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return { file: path.startsWith(ROOT) ? relative(ROOT, path) : path, group: nm[1]! };
  // The app's own files, whichever checkout ran them (BENCH_SERVER_ROOT: another one).
  const own = /\/((?:dist|src)\/(?:server|protocol)\/.*)$/.exec(path);
  return own ? { file: own[1]!, group: "app" } : { file: path, group: "other" };
}

export function summarize(files: string[], top: number): string {
  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  /** Time under each app function (self and below, down to the next app frame): what app code costs, wherever it is spent. */
  const byAppFrame = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, ProfileNode>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
    const appFrame = new Map<number, string>();
    const nearestApp = (node: ProfileNode): string => {
      const known = appFrame.get(node.id);
      if (known !== undefined) return known;
      const loc = where(node.callFrame.url);
      const up = parent.get(node.id);
      const found = loc.group === "app" ? `${node.callFrame.functionName || "(anonymous)"}  ${loc.file}:${node.callFrame.lineNumber + 1}` : up ? nearestApp(up) : "(no app frame)";
      appFrame.set(node.id, found);
      return found;
    };
    profile.samples.forEach((id, i) => {
      const dt = profile.timeDeltas[i + 1] ?? 0; // a sample's time is the gap to the next one
      const node = byId.get(id);
      if (!node) return;
      const { functionName, url, lineNumber } = node.callFrame;
      totalUs += dt;
      if (functionName === "(idle)") {
        idleUs += dt;
        return;
      }
      const loc = where(url);
      const key = `${functionName || "(anonymous)"}  ${loc.file}${loc.file ? `:${lineNumber + 1}` : ""}`;
      self.set(key, (self.get(key) ?? 0) + dt);
      const group = functionName === "(garbage collector)" ? "(garbage collector)" : functionName === "(program)" ? "(program: native, not JS)" : loc.group;
      groups.set(group, (groups.get(group) ?? 0) + dt);
      if (functionName !== "(garbage collector)" && functionName !== "(program)") {
        const app = nearestApp(node);
        byAppFrame.set(app, (byAppFrame.get(app) ?? 0) + dt);
      }
    });
  }
  const busyUs = totalUs - idleUs;
  const pct = (us: number) => `${((us / busyUs) * 100).toFixed(1).padStart(5)} %`;
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const lines = [
    `profiled ${(totalUs / 1e6).toFixed(1)} s, busy ${(busyUs / 1e6).toFixed(1)} s (${((busyUs / totalUs) * 100).toFixed(0)} % of the main thread); shares below are of busy time`,
    "",
    "by package:",
    ...[...groups].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${ms(v)} ${pct(v)}  ${k}`),
    "",
    `top ${top} app functions by time spent in them and below them (down to the next app function):`,
    ...[...byAppFrame].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${ms(v)} ${pct(v)}  ${k}`),
    "",
    `top ${top} functions by self time:`,
    ...[...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${ms(v)} ${pct(v)}  ${k}`),
  ];
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf("--top");
  const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 30;
  const files = args.filter((_a, i) => topIndex < 0 || (i !== topIndex && i !== topIndex + 1));
  if (!files.length) {
    console.error("usage: npx tsx bench/profile-summary.ts <file.cpuprofile>... [--top N]");
    process.exit(2);
  }
  console.log(summarize(files, top));
}
