import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachmentPath, messageCaption, privateRoomId, thumbnailPath, type Attachment, type ChatMessage } from "../../src/protocol/index.js";
import { loadConfig, type AttachmentConfig } from "../../src/server/config.js";
import { api, collectMessages, connect, eventually, send, type ClientSocket } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { startS3Server, type S3ServerHandle } from "../support/s3-server.js";
import { signUp } from "../resilience/helpers.js";
import { answerBeforeBodyEnds, download, holdUploadOpen, png, pngBomb, rotatedJpeg, statusBeforeBodyEnds, upload, uploadInPieces } from "./support.js";

/**
 * Files end to end against a real Redis: upload (limits, sniffing, hostile files), sending with a
 * message (once, the seed's text fallback), access on every fetch, deletion with the message and
 * the room, the sweep of unsent uploads, the scanning hook, and the S3 store behind the same routes.
 */
const MAX_BYTES = 200_000;
const db = usePrivateRedis();

function attachmentConfig(dir: string, extra: Partial<AttachmentConfig> = {}): AttachmentConfig {
  return { ...loadConfig({}).attachments, dir, maxBytes: MAX_BYTES, ...extra };
}

/** Every file the local store holds (thumbnails included), as store keys. */
function storedFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string, prefix: string) => {
    if (!existsSync(at)) return;
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.name === ".incoming") continue;
      if (entry.isDirectory()) walk(join(at, entry.name), `${prefix}${entry.name}/`);
      else out.push(`${prefix}${entry.name}`);
    }
  };
  walk(dir, "");
  return out.sort();
}

describe("files in rooms", () => {
  let server: RunningChatServer;
  let dir: string;
  let url: string;
  const cookies: Record<string, string> = {};
  const ids: Record<string, number> = {};
  let team: string;
  let dm: string;
  let alice: ClientSocket;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "files-"));
    server = await startChatServer({ redisUrl: db.redis.url, attachments: attachmentConfig(dir) });
    url = server.url;
    for (const u of await signUp(url, "alice", "bob", "carol", "mallory")) {
      cookies[u.user.username] = u.cookie;
      ids[u.user.username] = u.user.id;
    }
    const made = await api(url, "/rooms", cookies.alice, { method: "POST", body: JSON.stringify({ name: "design", members: [ids.bob, ids.carol] }) });
    expect(made.status).toBe(201);
    team = made.body.id;
    dm = privateRoomId(ids.alice!, ids.bob!);
    alice = await connect(url, cookies.alice!);
  });
  afterAll(async () => {
    alice?.disconnect();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** This server's queue of thumbnails still to make. */
  const thumbnails = () => server.instance.ctx.attachments.thumbnails;

  const sendFiles = async (socket: ClientSocket, roomId: string, attachments: string[], message = "", clientId?: string) =>
    send(socket, { roomId, message, attachments, ...(clientId ? { clientId } : {}) });

  describe("uploading", () => {
    it("answers 201 with the record of a file: its clean name, the type sniffed from its bytes, its size", async () => {
      const res = await upload(url, cookies.alice!, team, "notes/../../plan.bin", Buffer.from("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), "text/plain");
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), name: "plan.bin", type: "application/pdf", size: 29 });
    });

    it("measures an image as displayed (EXIF orientation applied) and makes a WebP thumbnail without metadata", async () => {
      const res = await upload(url, cookies.alice!, team, "photo.jpg", await rotatedJpeg(600, 300), "image/jpeg");
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ type: "image/jpeg", width: 300, height: 600, thumbnail: true });
      await thumbnails().idle();
      const thumb = await download(url, cookies.alice!, thumbnailPath(team, res.body.id));
      expect(thumb.status).toBe(200);
      expect(thumb.headers.get("content-type")).toBe("image/webp");
      const meta = await sharp(thumb.bytes).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height, exif: meta.exif, orientation: meta.orientation }).toEqual({
        format: "webp", width: 240, height: 480, exif: undefined, orientation: undefined,
      });
    });

    it("stores the full-size original upright and without metadata: no EXIF, GPS position or camera left, at high quality", async () => {
      const photo = await rotatedJpeg(600, 300);
      expect((await sharp(photo).metadata()).exif?.includes("Secret Model 9")).toBe(true);
      const res = await upload(url, cookies.alice!, team, "holiday.jpg", photo, "image/jpeg");
      expect(res.status).toBe(201);
      const original = await download(url, cookies.alice!, attachmentPath(team, res.body.id));
      expect([original.status, original.headers.get("content-type")]).toEqual([200, "image/jpeg"]);
      const meta = await sharp(original.bytes).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height, exif: meta.exif, orientation: meta.orientation, icc: meta.icc, xmp: meta.xmp }).toEqual({
        format: "jpeg", width: 300, height: 600, exif: undefined, orientation: undefined, icc: undefined, xmp: undefined,
      });
      for (const secret of ["Exif", "TestCam", "Secret Model 9"]) expect(original.bytes.includes(secret), secret).toBe(false);
      // The record tells the size of what is served.
      expect(res.body.size).toBe(original.bytes.length);
      // Turned a quarter clockwise: the left (red) half of the sensor is now on top.
      const { data, info } = await sharp(original.bytes).raw().toBuffer({ resolveWithObject: true });
      const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
      expect(pixel(150, 10)).toEqual([expect.closeTo(254, -1), expect.closeTo(0, -1), expect.closeTo(0, -1)]);
      expect(pixel(150, 590)).toEqual([expect.closeTo(0, -1), expect.closeTo(0, -1), expect.closeTo(254, -1)]);
      // High quality: the re-encoded copy is close to the picture it came from.
      const upright = await sharp(photo).autoOrient().raw().toBuffer();
      let diff = 0;
      for (let i = 0; i < upright.length; i++) diff += Math.abs(upright[i]! - data[i]!);
      expect(diff / upright.length).toBeLessThan(2);
    });

    it("strips metadata from PNG, WebP (lossy and lossless) and AVIF originals, each kept in its own format", async () => {
      const exif = { IFD0: { Model: "Secret Model 9" }, IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 24/1" } };
      const base = () => sharp({ create: { width: 64, height: 32, channels: 4, background: { r: 10, g: 200, b: 90, alpha: 0.5 } } });
      const files = [
        ["screen.png", await base().png().withExif(exif).toBuffer(), "image/png", "png"],
        ["photo.webp", await base().webp({ quality: 80 }).withExif(exif).toBuffer(), "image/webp", "webp"],
        ["lossless.webp", await base().webp({ lossless: true }).withExif(exif).toBuffer(), "image/webp", "webp"],
        ["photo.avif", await base().avif().withExif(exif).toBuffer(), "image/avif", "heif"],
      ] as const;
      for (const [name, bytes, type, format] of files) {
        expect((await sharp(bytes).metadata()).exif, `${name} carries EXIF before`).toBeDefined();
        const res = await upload(url, cookies.alice!, team, name, bytes);
        expect([name, res.status, res.body.type, res.body.width, res.body.height]).toEqual([name, 201, type, 64, 32]);
        const original = await download(url, cookies.alice!, attachmentPath(team, res.body.id));
        const meta = await sharp(original.bytes).metadata();
        expect([name, meta.format, meta.width, meta.height, meta.exif, meta.hasAlpha]).toEqual([name, format, 64, 32, undefined, true]);
        expect(original.bytes.includes("Secret Model 9"), name).toBe(false);
        expect(res.body.size).toBe(original.bytes.length);
      }
      // A lossless WebP stays lossless: the very same pixels come back.
      const lossless = await base().webp({ lossless: true }).withExif(exif).toBuffer();
      const res = await upload(url, cookies.alice!, team, "exact.webp", lossless);
      const back = await download(url, cookies.alice!, attachmentPath(team, res.body.id));
      expect((await sharp(back.bytes).raw().toBuffer()).equals(await sharp(lossless).raw().toBuffer())).toBe(true);
    });

    it("keeps every frame of an animated GIF and WebP with its timing and loop, measured by one frame", async () => {
      const frames = await Promise.all(["#ff0000", "#00ff00", "#0000ff"].map((c) => sharp({ create: { width: 40, height: 20, channels: 3, background: c } }).raw().toBuffer()));
      const strip = () => sharp(Buffer.concat(frames), { raw: { width: 40, height: 60, channels: 3, pageHeight: 20 } });
      const animations = [
        ["spinner.gif", await strip().gif({ loop: 2, delay: [100, 200, 300] }).toBuffer(), "image/gif", "gif"],
        ["spinner.webp", await strip().webp({ loop: 2, delay: [100, 200, 300] }).withExif({ IFD0: { Model: "Secret Model 9" } }).toBuffer(), "image/webp", "webp"],
      ] as const;
      for (const [name, bytes, type, format] of animations) {
        const res = await upload(url, cookies.alice!, team, name, bytes);
        expect([name, res.status, res.body.type, res.body.width, res.body.height, res.body.thumbnail]).toEqual([name, 201, type, 40, 20, true]);
        const original = await download(url, cookies.alice!, attachmentPath(team, res.body.id));
        const meta = await sharp(original.bytes).metadata();
        expect([name, meta.format, meta.pages, meta.pageHeight ?? meta.height, meta.loop, meta.delay, meta.exif]).toEqual([name, format, 3, 20, 2, [100, 200, 300], undefined]);
      }
    });

    it("a polyglot picture (a JPEG followed by an HTML page) is stored as the picture alone", async () => {
      const page = "<html><body><script>alert(document.cookie)</script></body></html>";
      const polyglot = Buffer.concat([await png(20, 20).then((p) => sharp(p).jpeg().toBuffer()), Buffer.from(page)]);
      const res = await upload(url, cookies.alice!, team, "innocent.jpg", polyglot);
      expect(res.body).toMatchObject({ type: "image/jpeg", width: 20, height: 20 });
      const original = await download(url, cookies.alice!, attachmentPath(team, res.body.id));
      expect(original.bytes.includes("<script>")).toBe(false);
      expect((await sharp(original.bytes).metadata()).format).toBe("jpeg");
    });

    it("takes the type from the bytes, never the name: a PNG named .pdf is a PNG, HTML named .png is a download", async () => {
      const image = await upload(url, cookies.alice!, team, "report.pdf", await png(40, 20), "application/pdf");
      expect(image.body).toMatchObject({ name: "report.pdf", type: "image/png", width: 40, height: 20, thumbnail: true });
      const page = await upload(url, cookies.alice!, team, "cat.png", "<!doctype html><script>alert(document.cookie)</script>", "image/png");
      expect(page.status).toBe(201);
      expect(page.body).toMatchObject({ name: "cat.png", type: "application/octet-stream" });
      expect(page.body.thumbnail).toBeUndefined();
    });

    it("sniffs the type from the first bytes however the network splits them (a PNG arriving 3 bytes first)", async () => {
      const image = await png(12, 6);
      const res = await uploadInPieces(url, cookies.alice!, team, "slow.bin", image, [3, 20]);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ type: "image/png", width: 12, height: 6, size: image.length });
    });

    it("refuses a decompression bomb from its header, without decoding it, and keeps nothing", async () => {
      await thumbnails().idle(); // earlier uploads' thumbnails are not this test's files
      const before = storedFiles(dir);
      const bomb = pngBomb(100_000); // 10 gigapixels declared in a few hundred bytes
      expect(bomb.length).toBeLessThan(20_000);
      const res = await upload(url, cookies.alice!, team, "bomb.png", bomb, "image/png");
      expect(res).toEqual({ status: 422, body: { message: "The image has too many pixels to process" } });
      expect(storedFiles(dir)).toEqual(before);
    });

    it("refuses a picture its decoder cannot read (a PNG header followed by garbage)", async () => {
      const broken = Buffer.concat([(await png(10, 10)).subarray(0, 40), Buffer.alloc(200, 7)]);
      const res = await upload(url, cookies.alice!, team, "broken.png", broken, "image/png");
      expect(res).toEqual({ status: 422, body: { message: "The image could not be read" } });
    });

    it("takes a file of exactly ATTACHMENT_MAX_BYTES and refuses one byte more with 413, keeping nothing", async () => {
      const at = await upload(url, cookies.alice!, team, "at-limit.bin", Buffer.alloc(MAX_BYTES, 1));
      expect(at.status).toBe(201);
      expect(at.body.size).toBe(MAX_BYTES);
      await thumbnails().idle(); // earlier uploads' thumbnails are not this test's files
      const before = storedFiles(dir);
      const keysBefore = (await db.raw.keys(`{room:${team}}:attachment:*`)).length;
      const over = await upload(url, cookies.alice!, team, "over-limit.bin", Buffer.alloc(MAX_BYTES + 1, 1));
      // In units for people (MAX_BYTES is 200,000 bytes: 195 KB), as the page's own check says it.
      expect(over).toEqual({ status: 413, body: { message: "The file is larger than 195 KB" } });
      expect(storedFiles(dir)).toEqual(before);
      expect(readdirSync(join(dir, ".incoming"))).toEqual([]);
      expect((await db.raw.keys(`{room:${team}}:attachment:*`)).length).toBe(keysBefore);
    });

    it("refuses an upload whose Content-Length is already over the limit at once (413), before reading its body, and closes the connection", async () => {
      await thumbnails().idle(); // earlier uploads' thumbnails are not this test's files
      const before = storedFiles(dir);
      const listed = await db.raw.zCard("attachments:unsent");
      // A body announced as ten times the limit, of which only the first kilobyte is ever sent.
      const answer = await answerBeforeBodyEnds(url, cookies.alice!, team, 1024, 5000, MAX_BYTES * 10);
      expect(answer).toEqual({ status: 413, body: { message: "The file is larger than 195 KB" }, closedByServer: true });
      expect(storedFiles(dir)).toEqual(before);
      expect(await db.raw.zCard("attachments:unsent"), "never started: nothing listed for the sweep").toBe(listed);
    });

    it("still counts the bytes of a body without Content-Length (chunked) and refuses it once past the limit (413), keeping nothing", async () => {
      await thumbnails().idle(); // earlier uploads' thumbnails are not this test's files
      const before = storedFiles(dir);
      const answer = await answerBeforeBodyEnds(url, cookies.alice!, team, MAX_BYTES + 64 * 1024);
      expect([answer.status, answer.body]).toEqual([413, { message: "The file is larger than 195 KB" }]);
      expect(storedFiles(dir)).toEqual(before);
      await eventually(() => readdirSync(join(dir, ".incoming")).length === 0, 5000, "the partial file removed");
    });

    it("tells signed-in clients the largest upload, from the server's configuration, so they check a file before sending it", async () => {
      const res = await fetch(`${url}/attachments/limits`, { headers: { cookie: cookies.alice! } });
      expect([res.status, await res.json()]).toEqual([200, { maxBytes: MAX_BYTES, maxPerMessage: 10 }]);
      expect((await fetch(`${url}/attachments/limits`)).status).toBe(401);
    });

    it("checks membership before reading the body: a non-member is answered 403 while still sending", async () => {
      expect(await statusBeforeBodyEnds(url, cookies.mallory!, team, 64 * 1024)).toBe(403);
      expect(await statusBeforeBodyEnds(url, cookies.mallory!, dm, 64 * 1024)).toBe(403);
    });

    it("lets one user have 4 uploads in flight: a fifth is refused (429) until one ends", async () => {
      const started = await db.raw.zCard("attachments:unsent");
      const held = [0, 1, 2, 3].map(() => holdUploadOpen(url, cookies.carol!, team));
      try {
        // Each upload lists itself for the sweep once it is under way.
        await eventually(async () => (await db.raw.zCard("attachments:unsent")) === started + 4, 5000, "four uploads under way");
        const fifth = await upload(url, cookies.carol!, team, "fifth.txt", "one too many");
        expect(fifth).toEqual({ status: 429, body: { message: "At most 4 uploads at once; wait for one to finish" } });
        expect((await upload(url, cookies.bob!, team, "bobs.txt", "someone else")).status).toBe(201);
      } finally {
        for (const abort of held) abort();
      }
      // Cancelled uploads leave no partial file behind.
      await eventually(() => readdirSync(join(dir, ".incoming")).length === 0, 5000, "partial files removed");
      await eventually(async () => (await upload(url, cookies.carol!, team, "later.txt", "after")).status === 201, 5000, "uploads allowed again");
    });

    it("wants a signed-in member and a multipart body", async () => {
      expect((await upload(url, "sid=nobody", team, "a.txt", "hi")).status).toBe(401);
      const json = await api(url, `/room/${team}/attachments`, cookies.alice, { method: "POST", body: JSON.stringify({ file: "x" }) });
      expect(json.status).toBe(415);
    });
  });

  describe("thumbnails, made after the upload answered", () => {
    /** 24 megapixels in 78 KB: decoding it is what a thumbnail costs. */
    const largePicture = () => sharp({ create: { width: 6000, height: 4000, channels: 3, background: "#3366cc" } }).png({ compressionLevel: 9 }).toBuffer();
    const thumbKey = (id: string) => `rooms/${team}/${id}.thumb`;

    it("answers the upload of a large image before its thumbnail exists; meanwhile the thumbnail's address serves the image itself, then the WebP", async () => {
      await thumbnails().idle();
      thumbnails().pause();
      let id: string;
      try {
        const res = await upload(url, cookies.alice!, team, "large.png", await largePicture());
        expect(res.status).toBe(201);
        expect(res.body).toMatchObject({ type: "image/png", width: 6000, height: 4000, thumbnail: true });
        id = res.body.id;
        expect(storedFiles(dir)).toContain(`rooms/${team}/${id}`);
        expect(storedFiles(dir)).not.toContain(thumbKey(id));
        expect(thumbnails().pending).toBe(1);
        // Not made yet: the picture itself (what a browser shows in its place), without an ETag so
        // that the next request gets the thumbnail.
        const early = await download(url, cookies.alice!, thumbnailPath(team, id));
        const original = await download(url, cookies.alice!, attachmentPath(team, id));
        expect([early.status, early.headers.get("content-type"), early.headers.get("etag")]).toEqual([200, "image/png", null]);
        expect(early.bytes.equals(original.bytes)).toBe(true);
        expect(thumbnails().pending, "asked for while waiting: queued once").toBe(1);
      } finally {
        thumbnails().resume();
      }
      await thumbnails().idle();
      expect(storedFiles(dir)).toContain(thumbKey(id));
      const thumb = await download(url, cookies.alice!, thumbnailPath(team, id));
      expect([thumb.status, thumb.headers.get("content-type"), thumb.headers.get("etag")]).toEqual([200, "image/webp", `"${id}-t"`]);
      const meta = await sharp(thumb.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["webp", 480, 320]);
    });

    it("makes a thumbnail that is missing when it is first asked for (the queue is not kept across restarts)", async () => {
      const res = await upload(url, cookies.alice!, team, "lost.png", await png(800, 600));
      await thumbnails().idle();
      // As if the process had stopped before making it.
      rmSync(join(dir, ...thumbKey(res.body.id).split("/")));
      const first = await download(url, cookies.alice!, thumbnailPath(team, res.body.id));
      expect([first.status, first.headers.get("content-type")]).toEqual([200, "image/png"]);
      await thumbnails().idle();
      const again = await download(url, cookies.alice!, thumbnailPath(team, res.body.id));
      expect([again.status, again.headers.get("content-type")]).toEqual([200, "image/webp"]);
    });

    it("answers a burst of large image uploads without waiting for their thumbnails, and other people's messages go through meanwhile", async () => {
      await thumbnails().idle();
      thumbnails().pause();
      const burst: Attachment[] = [];
      const carol = await connect(url, cookies.carol!);
      const received = collectMessages(alice);
      try {
        const picture = await largePicture();
        // Two waves of four: one user's uploads in flight at most.
        for (const wave of [0, 1]) {
          const answers = await Promise.all([0, 1, 2, 3].map((i) => upload(url, cookies.alice!, team, `burst-${wave}-${i}.png`, picture)));
          expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
          burst.push(...answers.map((a) => a.body as Attachment));
        }
        expect(thumbnails().pending).toBe(8);
        const ack = await send(carol, { roomId: team, message: "still here during the burst" });
        expect(ack.ok).toBe(true);
        await eventually(() => received.some((m) => m.message === "still here during the burst"), 5000, "carol's message delivered");
        expect(thumbnails().pending, "delivered while every thumbnail still waited").toBe(8);
      } finally {
        thumbnails().resume();
        carol.disconnect();
      }
      await thumbnails().idle();
      expect(storedFiles(dir)).toEqual(expect.arrayContaining(burst.map((a) => thumbKey(a.id))));
    });
  });

  describe("sending", () => {
    it("sends files with a caption once: a resend with the same clientId answers the first message", async () => {
      const a = (await upload(url, cookies.alice!, team, "a.txt", "first file")).body as Attachment;
      const b = (await upload(url, cookies.alice!, team, "b.png", await png(8, 8))).body as Attachment;
      const first = await sendFiles(alice, team, [a.id, b.id], "two files", "send-once-1");
      const again = await sendFiles(alice, team, [a.id, b.id], "two files", "send-once-1");
      if (!first.ok || !again.ok) throw new Error(`refused: ${JSON.stringify([first, again])}`);
      expect(again.message.id).toBe(first.message.id);
      expect(first.message.attachments).toEqual([a, b]);
      const stored = await db.raw.zRange(`room:${team}`, 0, -1);
      expect(stored.filter((m) => m.includes(a.id))).toHaveLength(1);
    });

    it("without a clientId, a resend of the same files still answers the first message", async () => {
      const a = (await upload(url, cookies.alice!, team, "c.txt", "third file")).body as Attachment;
      const first = await sendFiles(alice, team, [a.id], "no client id");
      const again = await sendFiles(alice, team, [a.id], "no client id");
      expect(first.ok && again.ok && again.message.id === first.message.id).toBe(true);
    });

    it("a reply to a message with files quotes its caption and the files' names, never their addresses", async () => {
      const a = (await upload(url, cookies.alice!, team, "plan.txt", "the plan")).body as Attachment;
      const b = (await upload(url, cookies.alice!, team, "budget.pdf", Buffer.from("%PDF-1.4 x"))).body as Attachment;
      const original = await sendFiles(alice, team, [a.id, b.id], "Here is the plan");
      if (!original.ok) throw new Error(original.error);
      const reply = await send(alice, { roomId: team, message: "Looks good", replyTo: original.message.id });
      if (!reply.ok) throw new Error(reply.error);
      const quote = { from: original.message.from, message: "Here is the plan · 📎 plan.txt, budget.pdf" };
      expect(reply.message.reply).toEqual(quote);
      const history = await api(url, `/room/${team}/messages?size=1`, cookies.bob);
      expect(history.body[0]).toMatchObject({ id: reply.message.id, reply: quote });
      expect(JSON.stringify(history.body[0].reply)).not.toContain("/attachments/");
    });

    it("gives seed clients the caption then one line per file with its name and link; messageCaption strips them", async () => {
      const a = (await upload(url, cookies.alice!, team, "spec sheet.pdf", Buffer.from("%PDF-1.4 x"))).body as Attachment;
      const ack = await sendFiles(alice, team, [a.id], "see the spec");
      if (!ack.ok) throw new Error(ack.error);
      expect(ack.message.message).toBe(`see the spec\n📎 spec sheet.pdf ${attachmentPath(team, a.id)}`);
      expect(messageCaption(ack.message)).toBe("see the spec");
      const raw = await db.raw.zRange(`room:${team}`, -1, -1);
      expect(JSON.parse(raw[0]!)).toMatchObject({ message: ack.message.message, attachments: [a] });
      const history = await api(url, `/room/${team}/messages?size=1`, cookies.bob);
      expect(history.body[0]).toMatchObject({ id: ack.message.id, attachments: [a] });
    });

    it("keeps a message's files and their lines when its caption is edited", async () => {
      const a = (await upload(url, cookies.alice!, team, "kept.txt", "kept")).body as Attachment;
      const ack = await sendFiles(alice, team, [a.id], "first caption");
      if (!ack.ok) throw new Error(ack.error);
      const edited = await api(url, `/room/${team}/messages/${ack.message.id}`, cookies.alice, { method: "PATCH", body: JSON.stringify({ message: "second caption" }) });
      expect(edited.status).toBe(200);
      const now = await api(url, `/room/${team}/messages/${ack.message.id}`, cookies.alice);
      expect(now.body).toMatchObject({ message: `second caption\n📎 kept.txt ${attachmentPath(team, a.id)}`, attachments: [a] });
      expect(messageCaption(now.body)).toBe("second caption");
    });

    it("sends files without a caption over REST; the text is only the file lines", async () => {
      const a = (await upload(url, cookies.alice!, team, "only.txt", "just a file")).body as Attachment;
      const res = await api(url, `/room/${team}/messages`, cookies.alice, { method: "POST", body: JSON.stringify({ message: "", attachments: [a.id] }) });
      expect(res.status).toBe(201);
      expect(res.body.message).toBe(`📎 only.txt ${attachmentPath(team, a.id)}`);
      expect(messageCaption(res.body)).toBe("");
      const empty = await api(url, `/room/${team}/messages`, cookies.alice, { method: "POST", body: JSON.stringify({ message: "" }) });
      expect(empty).toMatchObject({ status: 400, body: { message: "message: message must not be empty or only invisible characters" } });
    });

    it("refuses files that are someone else's, from another room, already sent, or unknown, storing nothing", async () => {
      const bobs = (await upload(url, cookies.bob!, team, "bob.txt", "bob's")).body as Attachment;
      const elsewhere = (await upload(url, cookies.alice!, dm, "dm.txt", "private")).body as Attachment;
      const sent = (await upload(url, cookies.alice!, team, "sent.txt", "sent")).body as Attachment;
      expect((await sendFiles(alice, team, [sent.id], "once")).ok).toBe(true);
      const count = await db.raw.zCard(`room:${team}`);
      for (const attachments of [[bobs.id], [elsewhere.id], [sent.id], ["A".repeat(22)]]) {
        const ack = await sendFiles(alice, team, attachments, "nope", `refused-${attachments[0]}`);
        expect(ack).toEqual({ ok: false, error: "An attachment is not one you uploaded to this room, or was sent already" });
      }
      expect(await db.raw.zCard(`room:${team}`)).toBe(count);
      const bad = await sendFiles(alice, team, ["not-an-id"], "x");
      expect(bad.ok).toBe(false);
    });
  });

  describe("fetching", () => {
    it("serves a sent file to members with Range, private caching, nosniff and a sandboxing CSP", async () => {
      const bytes = Buffer.from("0123456789abcdefghij");
      const a = (await upload(url, cookies.alice!, team, "digits.bin", bytes)).body as Attachment;
      await sendFiles(alice, team, [a.id]);
      const whole = await download(url, cookies.bob!, attachmentPath(team, a.id));
      expect(whole.status).toBe(200);
      expect(whole.bytes.equals(bytes)).toBe(true);
      expect(Object.fromEntries(["cache-control", "x-content-type-options", "content-security-policy", "accept-ranges", "content-disposition", "content-type"].map((h) => [h, whole.headers.get(h)]))).toEqual({
        "cache-control": "private, no-cache",
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "accept-ranges": "bytes",
        "content-disposition": `attachment; filename="digits.bin"; filename*=UTF-8''digits.bin`,
        "content-type": "application/octet-stream",
      });
      const part = await download(url, cookies.bob!, attachmentPath(team, a.id), { range: "bytes=2-5" });
      expect([part.status, part.bytes.toString(), part.headers.get("content-range")]).toEqual([206, "2345", "bytes 2-5/20"]);
      const tail = await download(url, cookies.bob!, attachmentPath(team, a.id), { range: "bytes=-3" });
      expect([tail.status, tail.bytes.toString()]).toEqual([206, "hij"]);
      const beyond = await download(url, cookies.bob!, attachmentPath(team, a.id), { range: "bytes=20-" });
      expect([beyond.status, beyond.headers.get("content-range")]).toEqual([416, "bytes */20"]);
      const cached = await download(url, cookies.bob!, attachmentPath(team, a.id), { "if-none-match": whole.headers.get("etag")! });
      expect(cached.status).toBe(304);
    });

    it("serves raster images inline and SVG, HTML and PDF only as downloads", async () => {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><script>alert(2)</script></body></foreignObject></svg>`;
      const files = [
        ["pic.png", await png(4, 4), "inline", "image/png"],
        ["polyglot.svg", svg, "attachment", "application/octet-stream"],
        ["page.html", "<html><body onload=alert(1)>hi</body></html>", "attachment", "application/octet-stream"],
        ["doc.pdf", "%PDF-1.7 minimal", "attachment", "application/pdf"],
      ] as const;
      for (const [name, bytes, kind, type] of files) {
        const a = (await upload(url, cookies.alice!, team, name, bytes, "image/svg+xml")).body as Attachment;
        await sendFiles(alice, team, [a.id]);
        const res = await download(url, cookies.bob!, attachmentPath(team, a.id));
        expect([name, res.headers.get("content-type"), res.headers.get("content-disposition")?.split(";")[0]]).toEqual([name, type, kind]);
        expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
      }
    });

    it("shows an upload that is not sent yet to its uploader only", async () => {
      const a = (await upload(url, cookies.alice!, team, "draft.txt", "draft")).body as Attachment;
      expect((await download(url, cookies.alice!, attachmentPath(team, a.id))).status).toBe(200);
      expect((await download(url, cookies.bob!, attachmentPath(team, a.id))).status).toBe(404);
    });

    it("checks membership on every fetch: leaving, being removed or banned ends access at once", async () => {
      const a = (await upload(url, cookies.alice!, team, "secret.txt", "members only")).body as Attachment;
      await sendFiles(alice, team, [a.id]);
      const path = attachmentPath(team, a.id);
      expect((await download(url, cookies.mallory!, path)).status).toBe(403);
      expect((await download(url, cookies.carol!, path)).status).toBe(200);
      expect((await api(url, `/room/${team}/leave`, cookies.carol, { method: "POST" })).status).toBe(200);
      expect((await download(url, cookies.carol!, path)).status).toBe(403);
      expect((await download(url, cookies.bob!, path)).status).toBe(200);
      expect((await api(url, `/room/${team}/members/${ids.bob}`, cookies.alice, { method: "DELETE" })).status).toBe(200);
      expect((await download(url, cookies.bob!, path)).status).toBe(403);
      // Banned (by an administrator: the first account, alice): every session ends.
      const dmFile = (await upload(url, cookies.alice!, dm, "dm.txt", "between us")).body as Attachment;
      await sendFiles(alice, dm, [dmFile.id]);
      expect((await download(url, cookies.bob!, attachmentPath(dm, dmFile.id))).status).toBe(200);
      expect((await api(url, `/users/${ids.bob}/ban`, cookies.alice, { method: "POST", body: JSON.stringify({}) })).status).toBe(200);
      expect((await download(url, cookies.bob!, attachmentPath(dm, dmFile.id))).status).toBe(401);
    });
  });

  describe("deleting and sweeping", () => {
    it("deletes a message's files with the message", async () => {
      const a = (await upload(url, cookies.alice!, team, "gone.png", await png(16, 16))).body as Attachment;
      const ack = await sendFiles(alice, team, [a.id], "soon gone");
      if (!ack.ok) throw new Error(ack.error);
      await thumbnails().idle();
      expect(storedFiles(dir)).toEqual(expect.arrayContaining([`rooms/${team}/${a.id}`, `rooms/${team}/${a.id}.thumb`]));
      expect((await api(url, `/room/${team}/messages/${ack.message.id}`, cookies.alice, { method: "DELETE" })).status).toBe(200);
      expect((await download(url, cookies.alice!, attachmentPath(team, a.id))).status).toBe(404);
      expect(storedFiles(dir).filter((f) => f.includes(a.id))).toEqual([]);
      expect(await db.raw.exists(`{room:${team}}:attachment:${a.id}`)).toBe(0);
    });

    it("removes uploads not sent in time, keeping sent ones", async () => {
      const unsent = (await upload(url, cookies.alice!, team, "forgotten.txt", "never sent")).body as Attachment;
      const sent = (await upload(url, cookies.alice!, team, "kept.txt", "sent")).body as Attachment;
      await sendFiles(alice, team, [sent.id]);
      const ttl = loadConfig({}).attachments.unsentTtlMs;
      expect(await server.instance.ctx.attachments.sweep(Date.now() - 60_000)).toBe(0);
      const removed = await server.instance.ctx.attachments.sweep(Date.now() + ttl + 1000, 10_000);
      expect(removed).toBeGreaterThanOrEqual(1);
      expect((await download(url, cookies.alice!, attachmentPath(team, unsent.id))).status).toBe(404);
      expect(storedFiles(dir).filter((f) => f.includes(unsent.id))).toEqual([]);
      expect((await download(url, cookies.alice!, attachmentPath(team, sent.id))).status).toBe(200);
      expect(await db.raw.zCard("attachments:unsent")).toBe(0);
    });

    it("deletes every file of a room with the room", async () => {
      const made = await api(url, "/rooms", cookies.alice, { method: "POST", body: JSON.stringify({ name: "short-lived" }) });
      const room = made.body.id as string;
      const a = (await upload(url, cookies.alice!, room, "one.txt", "one")).body as Attachment;
      await upload(url, cookies.alice!, room, "two.png", await png(5, 5));
      await sendFiles(alice, room, [a.id]);
      await thumbnails().idle();
      expect(storedFiles(dir).filter((f) => f.startsWith(`rooms/${room}/`))).toHaveLength(3);
      expect((await api(url, `/room/${room}`, cookies.alice, { method: "DELETE" })).status).toBe(200);
      expect(storedFiles(dir).filter((f) => f.startsWith(`rooms/${room}/`))).toEqual([]);
      expect(await db.raw.keys(`{room:${room}}:attachment*`)).toEqual([]);
    });
  });
});

describe("the scanning hook", () => {
  let server: RunningChatServer;
  let dir: string;
  let cookie: string;
  let userId: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "files-scan-"));
    // A scanner with clamscan's exit codes: 1 when the file holds the marker, 2 (an error of the
    // scanner itself) when it holds the other marker, else 0.
    const scanner = join(dir, "scan.sh");
    writeFileSync(scanner, `#!/bin/sh
if grep -q MALWARE-MARKER "$1"; then echo "$1: Test.Marker FOUND"; exit 1; fi
if grep -q SCANNER-BREAKS "$1"; then echo "cannot read the signatures" >&2; exit 2; fi
exit 0
`);
    chmodSync(scanner, 0o755);
    server = await startChatServer({ redisUrl: db.redis.url, attachments: attachmentConfig(join(dir, "files"), { scanCommand: scanner }) });
    const [user] = await signUp(server.url, "scanned");
    cookie = user.cookie;
    userId = user.user.id;
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("offers a file that passes; deletes one that fails, tells the uploader (422) and audits it", async () => {
    const clean = await upload(server.url, cookie, "0", "clean.txt", "nothing to see");
    expect(clean.status).toBe(201);
    const res = await upload(server.url, cookie, "0", "evil.txt", "header MALWARE-MARKER trailer");
    expect(res).toEqual({ status: 422, body: { message: "The file did not pass the malware scan and was deleted" } });
    expect(storedFiles(join(dir, "files"))).toEqual([`rooms/0/${clean.body.id}`]);
    expect(await db.raw.keys("{room:0}:attachment:*")).toEqual([`{room:0}:attachment:${clean.body.id}`]);
    const audit = await db.raw.xRevRange("audit:log", "+", "-", { COUNT: 1 });
    expect(audit![0]!.message).toMatchObject({ action: "attachment.refused", actor: String(userId), room: "0" });
    expect(audit![0]!.message.detail).toContain("evil.txt");
    expect(audit![0]!.message.detail).toContain("Test.Marker FOUND");
    // What the administrators' audit log (GET /admin/audit) reads.
    const [entry] = await server.instance.ctx.audit.read(1);
    expect(entry).toMatchObject({ action: "attachment.refused", actorId: userId, roomId: "0" });
  });

  it("scans an image as uploaded, before any decoder reads it", async () => {
    const marked = Buffer.concat([await png(8, 8), Buffer.from("MALWARE-MARKER")]);
    const res = await upload(server.url, cookie, "0", "exploit.png", marked);
    expect(res).toEqual({ status: 422, body: { message: "The file did not pass the malware scan and was deleted" } });
  });

  it("refuses a file when the scanner itself fails (503, try again), keeping nothing and auditing nothing", async () => {
    const before = storedFiles(join(dir, "files"));
    const audited = await db.raw.xLen("audit:log");
    const res = await upload(server.url, cookie, "0", "unlucky.txt", "SCANNER-BREAKS");
    expect(res).toEqual({ status: 503, body: { message: "The file could not be scanned for malware right now; try again" } });
    expect(storedFiles(join(dir, "files"))).toEqual(before);
    expect(await db.raw.xLen("audit:log")).toBe(audited);
  });
});

describe("files on the S3 store", () => {
  let s3: S3ServerHandle;
  let server: RunningChatServer;
  let cookie: string;

  beforeAll(async () => {
    s3 = await startS3Server();
    const config = attachmentConfig("/nonexistent", {
      store: "s3",
      s3: { endpoint: s3.endpoint, region: "us-east-1", bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true, prefix: "chat/" },
    });
    server = await startChatServer({ redisUrl: db.redis.url, attachments: config });
    cookie = (await signUp(server.url, "s3user"))[0].cookie;
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it("uploads, thumbnails, serves ranges and deletes through the same routes", async () => {
    const socket = await connect(server.url, cookie);
    try {
      const image = (await upload(server.url, cookie, "0", "s3.png", await png(30, 10))).body as Attachment;
      expect(image).toMatchObject({ type: "image/png", width: 30, height: 10, thumbnail: true });
      const ack = await send(socket, { roomId: "0", message: "on s3", attachments: [image.id] });
      if (!ack.ok) throw new Error(ack.error);
      const whole = await download(server.url, cookie, attachmentPath("0", image.id));
      expect(whole.status).toBe(200);
      expect((await sharp(whole.bytes).metadata()).width).toBe(30);
      const part = await download(server.url, cookie, attachmentPath("0", image.id), { range: "bytes=0-7" });
      expect([part.status, part.bytes.toString("hex")]).toEqual([206, "89504e470d0a1a0a"]);
      await server.instance.ctx.attachments.thumbnails.idle();
      const thumb = await download(server.url, cookie, thumbnailPath("0", image.id));
      expect([thumb.status, thumb.headers.get("content-type")]).toEqual([200, "image/webp"]);
      expect((await api(server.url, `/room/0/messages/${ack.message.id}`, cookie, { method: "DELETE" })).status).toBe(200);
      expect((await download(server.url, cookie, attachmentPath("0", image.id))).status).toBe(404);
      const left: string[] = [];
      for await (const key of server.instance.ctx.attachments.store.list("")) left.push(key);
      expect(left).toEqual([]);
    } finally {
      socket.disconnect();
    }
  });
});
