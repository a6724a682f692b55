/**
 * Uploads: `POST /room/0/attachments` from two signed-in users, four in flight each, against one
 * server process writing to a temporary ATTACHMENT_DIR. Three phases, each with the server's CPU
 * and memory from /proc:
 * - `large` (first, from the fresh server's memory): files of ATTACHMENT_MAX_BYTES (25 MiB), one at
 *   a time, the body generated while it is sent; the server's RSS is sampled every 20 ms: memory
 *   stays flat (streamed, never buffered);
 * - `files`: small non-image files (100 KB), as fast as `concurrency` uploaders go: files/s, MB/s;
 * - `images`: 1600 x 1200 JPEGs, then 4000 x 3000 photos, each measured and stored again without
 *   metadata (their thumbnails are made after the answer, one at a time, by the server's queue): files/s.
 * In every phase a third user sends a message over HTTP every PROBE_EVERY_MS: its latency (p50,
 * p99, max) is what everyone else feels while the uploads run.
 */
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import sharp from "sharp";
import type { BenchContext } from "../context.js";
import { sampleTarget, type Target } from "../context.js";
import { procDelta, round, sampleProc, type ProcDelta } from "../procstat.js";
import { sleep, withTimeout } from "../limit.js";
import { createHistogram, recordMs, summarize, type LatencySummary } from "../histogram.js";
import { MAX_UPLOADS_IN_FLIGHT } from "../../src/protocol/index.js";

const SMALL_BYTES = 100 * 1024;
const LARGE_BYTES = 25 * 1024 * 1024;
/** Uploads in flight: two users, each at the server's limit of 4 per user (MAX_UPLOADS_IN_FLIGHT). */
const USERS = 2;
const CONCURRENCY = USERS * MAX_UPLOADS_IN_FLIGHT;
const LARGE_FILES = 5;
/** How often the third user sends a message while uploads run. */
const PROBE_EVERY_MS = 100;

export interface UploadPhase {
  label: string;
  files: number;
  failed: number;
  bytes: number;
  wallMs: number;
  filesPerS: number;
  mbPerS: number;
  server: ProcDelta | null;
  /** The third user's message sends meanwhile (POST /room/0/messages), ms. */
  sendLatency: LatencySummary;
}

export interface UploadResult {
  concurrency: number;
  phases: UploadPhase[];
  large: { files: number; bytesEach: number; rssBeforeMB: number; rssPeakMB: number; rssAfterMB: number; perFileS: number[]; peakPerFileMB: number[] };
}

/** Sends one multipart upload whose file part comes from `body`; resolves with the status. */
function uploadStream(url: string, cookie: string, name: string, size: number, body: Readable): Promise<number> {
  const boundary = `----bench${randomBytes(8).toString("hex")}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = request(`${url}/room/0/attachments`, {
      method: "POST",
      headers: { cookie, "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": String(head.length + size + tail.length) },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.write(head);
    body.on("data", (chunk: Buffer) => {
      if (!req.write(chunk)) {
        body.pause();
        req.once("drain", () => body.resume());
      }
    });
    body.on("end", () => req.end(tail));
    body.on("error", reject);
  });
}

/** `size` bytes of one random 64 KB block repeated, generated as they are read (no whole file in memory). */
function generated(size: number): Readable {
  const block = randomBytes(64 * 1024);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const n = Math.min(block.length, size - sent);
      sent += n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

/** Sends a message as `cookie` every PROBE_EVERY_MS until `until()`; the latencies. */
async function probeSends(url: string, cookie: string, until: () => boolean): Promise<LatencySummary> {
  const latencies = createHistogram();
  for (let i = 0; !until(); i++) {
    const sent = performance.now();
    const res = await fetch(`${url}/room/0/messages`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json", origin: url },
      body: JSON.stringify({ message: `probe ${i}` }),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`a probe message answered ${res.status}`);
    const took = performance.now() - sent;
    recordMs(latencies, took);
    await sleep(Math.max(0, PROBE_EVERY_MS - took));
  }
  return summarize(latencies);
}

async function phase(target: Target, label: string, durationMs: number, probeCookie: string, upload: (i: number, worker: number) => Promise<{ status: number; bytes: number }>): Promise<UploadPhase> {
  const before = sampleTarget(target);
  const started = performance.now();
  let done = false;
  const probe = probeSends(target.url, probeCookie, () => done);
  let files = 0;
  let failed = 0;
  let bytes = 0;
  let next = 0;
  const worker = async (w: number) => {
    while (performance.now() - started < durationMs) {
      const result = await upload(next++, w);
      if (result.status === 201) {
        files++;
        bytes += result.bytes;
      } else failed++;
    }
  };
  await withTimeout(Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w))), durationMs + 60_000, `upload ${label}`);
  const wallMs = performance.now() - started;
  const server = procDelta(before, sampleTarget(target));
  done = true;
  const sendLatency = await probe;
  return {
    label,
    files,
    failed,
    bytes,
    wallMs: Math.round(wallMs),
    filesPerS: round(files / (wallMs / 1000), 1),
    mbPerS: round(bytes / 2 ** 20 / (wallMs / 1000), 1),
    server,
    sendLatency,
  };
}

export async function runUpload(ctx: BenchContext): Promise<UploadResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-uploads-"));
  const [target] = await ctx.startServers(1, "upload", { ATTACHMENT_DIR: dir, ATTACHMENT_MAX_BYTES: String(LARGE_BYTES) });
  try {
    ctx.pool.setUrl(target!.url);
    const users = await ctx.pool.ensure(USERS + 1);
    const probeCookie = users[USERS]!.cookie;
    const cookie = users[0]!.cookie;
    const cookieOf = (worker: number) => users[worker % USERS]!.cookie;
    const durationMs = ctx.options.durationMs;
    const phases: UploadPhase[] = [];

    // Large files one at a time, RSS sampled while each streams in.
    await sleep(1000);
    const pid = target!.pid!;
    const rssBefore = sampleProc(pid)?.rssBytes ?? 0;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, sampleProc(pid)?.rssBytes ?? 0);
    }, 20);
    const perFileS: number[] = [];
    const peakPerFileMB: number[] = [];
    try {
      for (let i = 0; i < LARGE_FILES; i++) {
        const started = performance.now();
        const status = await withTimeout(uploadStream(target!.url, cookie, `large-${i}.bin`, LARGE_BYTES, generated(LARGE_BYTES)), 120_000, "25 MB upload");
        if (status !== 201) throw new Error(`a 25 MB upload answered ${status}`);
        perFileS.push(round((performance.now() - started) / 1000, 2));
        peakPerFileMB.push(round(peak / 2 ** 20, 1));
      }
    } finally {
      clearInterval(sampler);
    }
    const rssAfter = sampleProc(pid)?.rssBytes ?? 0;
    const mb = (b: number) => round(b / 2 ** 20, 1);
    const large = { files: LARGE_FILES, bytesEach: LARGE_BYTES, rssBeforeMB: mb(rssBefore), rssPeakMB: mb(peak), rssAfterMB: mb(rssAfter), perFileS, peakPerFileMB };
    console.log(`bench: upload: ${LARGE_FILES} × 25 MiB in ${perFileS.join(", ")} s; server RSS ${large.rssBeforeMB} → peak ${large.rssPeakMB} → ${large.rssAfterMB} MB (peak after each file: ${peakPerFileMB.join(", ")} MB)`);
    const small = randomBytes(SMALL_BYTES);
    phases.push(await phase(target!, "100 KB files", durationMs, probeCookie, async (i, w) => ({
      status: await uploadStream(target!.url, cookieOf(w), `file-${i}.bin`, small.length, Readable.from([small])),
      bytes: small.length,
    })));
    console.log(`bench: upload: ${describe(phases.at(-1)!)}`);

    const jpeg = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 40 } } }).jpeg({ quality: 85 }).toBuffer();
    phases.push(await phase(target!, `1600×1200 JPEG (${Math.round(jpeg.length / 1024)} KB)`, durationMs, probeCookie, async (i, w) => ({
      status: await uploadStream(target!.url, cookieOf(w), `photo-${i}.jpg`, jpeg.length, Readable.from([jpeg])),
      bytes: jpeg.length,
    })));
    console.log(`bench: upload: ${describe(phases.at(-1)!)}`);
    // A phone photo's size; its thumbnail takes the decoder about a second of one core.
    await sleep(5000); // the previous phase's thumbnails, if any are still being made
    const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 12 } } }).jpeg({ quality: 85 }).toBuffer();
    phases.push(await phase(target!, `4000×3000 JPEG (${Math.round(photo.length / 1024)} KB)`, durationMs, probeCookie, async (i, w) => ({
      status: await uploadStream(target!.url, cookieOf(w), `big-photo-${i}.jpg`, photo.length, Readable.from([photo])),
      bytes: photo.length,
    })));
    console.log(`bench: upload: ${describe(phases.at(-1)!)}`);

    return { concurrency: CONCURRENCY, phases, large };
  } finally {
    await target!.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(p: UploadPhase): string {
  const cpu = p.server ? `, server ${p.server.cores} cores, RSS ${p.server.rssBeforeMB} → ${p.server.rssAfterMB} MB` : "";
  const send = `; another user's message sends: p50 ${p.sendLatency.p50Ms} ms, p99 ${p.sendLatency.p99Ms} ms, max ${p.sendLatency.maxMs} ms (${p.sendLatency.count})`;
  return `${p.label}: ${p.files} files (${p.failed} failed) in ${(p.wallMs / 1000).toFixed(1)} s = ${p.filesPerS} files/s, ${p.mbPerS} MB/s${cpu}${send}`;
}
