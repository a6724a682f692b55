/**
 * Summarises V8 sampling heap profiles (.heapprofile, from bench/server-probe.mjs with
 * $BENCH_ALLOC_PROFILE_DIR): bytes allocated (collected objects included) by package, by function
 * (self), and by the nearest frame of the app's own code (what app code caused, wherever the bytes
 * were allocated). With --messages N, also per message.
 *   npx tsx bench/alloc-summary.ts .bench-out/alloc/*.heapprofile [--messages 6400] [--top 30]
 */
import { readFileSync } from "node:fs";

interface AllocNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: AllocNode[];
}

/** A file's place, whatever checkout it was run from: node_modules/<package>, node:…, or the app's dist/ or src/. */
function where(url: string): { file: string; group: string; app: boolean } {
  if (!url) return { file: "", group: "(v8/native)", app: false };
  if (url.startsWith("node:")) return { file: url, group: "node internals", app: false };
  const path = url.replace(/^file:\/\//, "");
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (nm) return { file: path.slice(path.lastIndexOf("node_modules/") + 13), group: nm[1]!, app: false };
  const own = /\/((?:dist|src)\/.*)$/.exec(path);
  return own ? { file: own[1]!, group: "app", app: true } : { file: path, group: "other", app: false };
}

export function summarizeAllocations(files: string[], top: number, messages: number | undefined): string {
  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  const byAppFrame = new Map<string, number>();
  let total = 0;
  const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);
  const walk = (node: AllocNode, appFrame: string | undefined) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const loc = where(url);
    const key = `${functionName || "(anonymous)"}  ${loc.file}${loc.file ? `:${lineNumber + 1}` : ""}`;
    const nearestApp = loc.app ? key : appFrame;
    if (node.selfSize > 0) {
      total += node.selfSize;
      add(self, key, node.selfSize);
      add(groups, loc.group, node.selfSize);
      add(byAppFrame, nearestApp ?? "(no app frame)", node.selfSize);
    }
    for (const child of node.children) walk(child, nearestApp);
  };
  for (const file of files) walk((JSON.parse(readFileSync(file, "utf8")) as { head: AllocNode }).head, undefined);
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1).padStart(8)} MB`;
  const per = (n: number) => (messages ? `${(n / messages / 1024).toFixed(2).padStart(8)} KB/msg` : "");
  const pct = (n: number) => `${((n / total) * 100).toFixed(1).padStart(5)} %`;
  const rows = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${mb(v)} ${per(v)} ${pct(v)}  ${k}`);
  return [
    `allocated ${mb(total).trim()}${messages ? ` (${(total / messages / 1024).toFixed(2)} KB per message of ${messages})` : ""}, sampled, collected objects included`,
    "",
    "by package:",
    ...rows(groups, 15),
    "",
    `top ${top} by the nearest app frame on the stack:`,
    ...rows(byAppFrame, top),
    "",
    `top ${top} functions by self size:`,
    ...rows(self, top),
  ].join("\n");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v === undefined ? undefined : Number(v);
  };
  const top = value("--top") ?? 30;
  const messages = value("--messages");
  if (!args.length) {
    console.error("usage: npx tsx bench/alloc-summary.ts <file.heapprofile>... [--messages N] [--top N]");
    process.exit(2);
  }
  console.log(summarizeAllocations(args, top, messages));
}
