import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AVATAR_MAX_BYTES, type Profile } from "../../src/protocol/index.js";
import { loadConfig } from "../../src/server/config.js";
import { api, connect, eventually, type ClientSocket, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";
import { download, png, pngBomb } from "../attachments/support.js";
import { startS3Server, type S3ServerHandle } from "../support/s3-server.js";

/**
 * Profile pictures (issues 15 and 18) against a real Redis, two instances sharing one local store:
 * upload (sniffed, size and pixel limits, cropped square, EXIF orientation applied, metadata
 * stripped, two sizes), serving (signed-in only, private long cache by version, nosniff), removal
 * by the person and by an administrator, and the live `user.profile` event.
 */
const db = usePrivateRedis();
let a: RunningChatServer, b: RunningChatServer;
let dir: string;
let boss: SignedIn, ann: SignedIn, bob: SignedIn;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "avatars-"));
  const attachments = { ...loadConfig({}).attachments, dir, maxPixels: 4_000_000 };
  a = await startChatServer({ redisUrl: db.redis.url, attachments });
  b = await startChatServer({ redisUrl: db.redis.url, attachments });
  [boss, ann, bob] = await signUp(a.url, "boss", "ann", "bob");
  await db.raw.hSet(`user:${boss.user.id}`, "role", "admin");
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all([a, b].map((s) => s?.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** `PUT /me/avatar` with one file and optional form fields (sent before the file, as the web client does). */
async function putAvatar(url: string, who: SignedIn, bytes: Buffer, fields: Record<string, string> = {}, name = "me.png") {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", new Blob([new Uint8Array(bytes)]), name);
  const res = await fetch(`${url}/me/avatar`, { method: "PUT", headers: { cookie: who.cookie }, body: form });
  return { status: res.status, body: (await res.json()) as Profile & { message?: string } };
}

/** The picture files the store holds for a person. */
const storedFor = (userId: number) => (existsSync(join(dir, "avatars", String(userId))) ? readdirSync(join(dir, "avatars", String(userId))).sort() : []);

/** A JPEG shown 100 x 200 (stored 200 x 100 with EXIF "rotate 90°"): red on top, blue below, with camera tags. */
async function rotatedHalves(): Promise<Buffer> {
  const red = await sharp({ create: { width: 100, height: 100, channels: 3, background: "#ff0000" } }).png().toBuffer();
  return sharp({ create: { width: 200, height: 100, channels: 3, background: "#0000ff" } })
    .composite([{ input: red, left: 0, top: 0 }])
    .jpeg()
    .withExif({ IFD0: { Make: "TestCam", Model: "Secret Model 9" } })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

const centreColour = async (bytes: Buffer) => {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const at = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
};

describe("uploading a profile picture", () => {
  it("a PNG becomes a square WebP of 256 and 64 pixels, served to signed-in people with a private long cache", async () => {
    const res = await putAvatar(a.url, ann, await png(300, 200));
    expect(res.status).toBe(200);
    expect(res.body.avatarUrl).toMatch(new RegExp(`^/users/${ann.user.id}/avatar\\?v=[A-Za-z0-9_-]+$`));
    for (const size of [256, 64]) {
      const got = await download(b.url, bob.cookie, `${res.body.avatarUrl}&size=${size}`);
      expect(got.status).toBe(200);
      expect(got.headers.get("content-type")).toBe("image/webp");
      expect(got.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
      expect(got.headers.get("x-content-type-options")).toBe("nosniff");
      const meta = await sharp(got.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["webp", size, size]);
    }
    expect(storedFor(ann.user.id)).toHaveLength(2);
    // Without the current version in the URL the browser revalidates; without a session, nothing.
    const unversioned = await download(a.url, bob.cookie, `/users/${ann.user.id}/avatar`);
    expect([unversioned.status, unversioned.headers.get("cache-control")]).toEqual([200, "private, no-cache"]);
    expect((await download(a.url, "", res.body.avatarUrl!)).status).toBe(401);
    const etag = unversioned.headers.get("etag")!;
    expect((await download(a.url, bob.cookie, `/users/${ann.user.id}/avatar`, { "if-none-match": etag })).status).toBe(304);
  });

  it("applies EXIF orientation before the crop box, and keeps no metadata", async () => {
    // Shown 100 wide, 200 high: the top square is red, the bottom one blue.
    const top = await putAvatar(a.url, bob, await rotatedHalves(), { cropX: "0", cropY: "0", cropSize: "100" }, "camera.jpg");
    expect(top.status).toBe(200);
    const topBytes = (await download(a.url, ann.cookie, `${top.body.avatarUrl}&size=256`)).bytes;
    const [r, , bl] = await centreColour(topBytes);
    expect(r).toBeGreaterThan(200);
    expect(bl).toBeLessThan(60);
    const meta = await sharp(topBytes).metadata();
    expect([meta.exif, meta.icc, meta.xmp, meta.orientation]).toEqual([undefined, undefined, undefined, undefined]);

    const bottom = await putAvatar(a.url, bob, await rotatedHalves(), { cropX: "0", cropY: "100", cropSize: "100" }, "camera.jpg");
    const [r2, , b2] = await centreColour((await download(a.url, ann.cookie, `${bottom.body.avatarUrl}&size=64`)).bytes);
    expect(r2).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
    // The replaced picture's files are gone; only the new version's two remain.
    expect(storedFor(bob.user.id)).toHaveLength(2);
    expect(storedFor(bob.user.id).every((f) => f.startsWith(new URL(bottom.body.avatarUrl!, a.url).searchParams.get("v")!))).toBe(true);
  });

  it("without a crop box takes the centred square; a box outside the picture is refused (400)", async () => {
    const wide = await sharp({ create: { width: 300, height: 100, channels: 3, background: "#0000ff" } })
      .composite([{ input: await sharp({ create: { width: 100, height: 100, channels: 3, background: "#00ff00" } }).png().toBuffer(), left: 100, top: 0 }])
      .png()
      .toBuffer();
    const res = await putAvatar(a.url, boss, wide);
    const bytes = (await download(a.url, ann.cookie, `${res.body.avatarUrl}&size=64`)).bytes;
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    // Every corner is green: nothing of the blue sides made it in.
    for (const [x, y] of [[2, 2], [61, 2], [2, 61], [61, 61]] as const) {
      const at = (y * info.width + x) * info.channels;
      expect(data[at + 1]).toBeGreaterThan(200);
      expect(data[at + 2]).toBeLessThan(60);
    }
    const outside = await putAvatar(a.url, boss, wide, { cropX: "250", cropY: "0", cropSize: "100" });
    expect(outside.status).toBe(400);
    expect(outside.body.message).toMatch(/crop/);
  });

  it("refuses what is not a raster image by its bytes (415), whatever its name, with a JSON message", async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    for (const [bytes, name] of [[Buffer.from("just some text"), "me.png"], [svg, "me.svg"], [Buffer.from("%PDF-1.7\n%...."), "me.jpg"]] as const) {
      const res = await putAvatar(a.url, ann, bytes, {}, name);
      expect(res.status).toBe(415);
      expect(res.body.message).toMatch(/must be an image/);
    }
    const json = await api(a.url, "/me/avatar", ann.cookie, { method: "PUT", body: JSON.stringify({ file: "x" }) });
    expect(json.status).toBe(415);
  });

  it("refuses a picture over the size limit (413) and a decompression bomb (422), keeping the old picture", async () => {
    const before = (await api(a.url, `/users/${ann.user.id}/profile`, ann.cookie)).body as Profile;
    const tooBig = Buffer.concat([await png(10, 10), Buffer.alloc(AVATAR_MAX_BYTES)]);
    const big = await putAvatar(a.url, ann, tooBig);
    expect(big.status).toBe(413);
    expect(big.body.message).toMatch(/larger than/);
    // Sent without a length (chunked), the limit is met while reading: 413 all the same.
    const boundary = "----avatar-chunked";
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(head));
        for (let i = 0; i <= AVATAR_MAX_BYTES / 65536; i++) controller.enqueue(new Uint8Array(65536));
        controller.enqueue(new Uint8Array(Buffer.from(`\r\n--${boundary}--\r\n`)));
        controller.close();
      },
    });
    const chunked = await fetch(`${a.url}/me/avatar`, {
      method: "PUT", headers: { cookie: ann.cookie, "content-type": `multipart/form-data; boundary=${boundary}` }, body, duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { message: string }).message).toMatch(/larger than/);
    const bomb = await putAvatar(a.url, ann, pngBomb(100_000));
    expect(bomb.status).toBe(422);
    expect(bomb.body.message).toMatch(/too many pixels/);
    const after = (await api(a.url, `/users/${ann.user.id}/profile`, ann.cookie)).body as Profile;
    expect(after.avatarUrl).toBe(before.avatarUrl);
    expect(storedFor(ann.user.id)).toHaveLength(2);
  });

  it("takes one upload at a time from a person: a second while the first is still arriving is refused (429)", async () => {
    const boundary = "----avatar-held";
    const held = request(`${a.url}/me/avatar`, {
      method: "PUT",
      headers: { cookie: bob.cookie, "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": "1000000" },
    });
    held.on("error", () => {});
    held.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.png"\r\nContent-Type: image/png\r\n\r\n`);
    held.write(await png(20, 20));
    try {
      await eventually(async () => (await putAvatar(a.url, bob, await png(30, 30))).status === 429, 5000, "a second upload refused");
    } finally {
      held.destroy();
    }
    await eventually(async () => (await putAvatar(a.url, bob, await png(30, 30))).status === 200, 5000, "uploads again once the first ended");
  });
});

describe("changes and removal", () => {
  it("every change reaches clients on another instance live (user.profile), and lists carry the URL", async () => {
    const socket = await connect(b.url, bob.cookie, { batch: true });
    sockets.push(socket);
    const seen: Profile[] = [];
    socket.on("user.profile", (p) => seen.push(p));
    const res = await putAvatar(a.url, ann, await png(64, 64));
    await eventually(() => seen.some((p) => p.id === ann.user.id && p.avatarUrl === res.body.avatarUrl), 5000, "user.profile with the new picture");
    const users = await api(a.url, `/users?ids=${ann.user.id}&ids=${bob.user.id}`, bob.cookie);
    expect(users.body[String(ann.user.id)].avatarUrl).toBe(res.body.avatarUrl);
    const people = await api(a.url, "/people?q=ann", bob.cookie);
    expect(people.body.people.find((p: Profile) => p.id === ann.user.id).avatarUrl).toBe(res.body.avatarUrl);

    const removed = await api(a.url, "/me/avatar", ann.cookie, { method: "DELETE" });
    expect([removed.status, removed.body.avatarUrl]).toEqual([200, null]);
    await eventually(() => seen.at(-1)?.id === ann.user.id && seen.at(-1)?.avatarUrl === null, 5000, "user.profile without a picture");
    expect((await download(a.url, bob.cookie, res.body.avatarUrl!)).status).toBe(404);
    expect(storedFor(ann.user.id)).toEqual([]);
    expect((await api(a.url, `/users?ids=${ann.user.id}`, bob.cookie)).body[String(ann.user.id)].avatarUrl).toBeUndefined();
  });

  it("deactivation keeps the picture; an administrator (only) removes someone's, and the audit log says so", async () => {
    const res = await putAvatar(a.url, bob, await png(80, 80));
    expect(res.status).toBe(200);
    expect((await api(a.url, `/users/${bob.user.id}`, boss.cookie, { method: "PATCH", body: JSON.stringify({ deactivated: true }) })).status).toBe(200);
    expect(((await api(a.url, `/users/${bob.user.id}/profile`, boss.cookie)).body as Profile).avatarUrl).toBe(res.body.avatarUrl);
    expect((await download(a.url, ann.cookie, res.body.avatarUrl!)).status).toBe(200);

    expect((await api(a.url, `/users/${bob.user.id}/avatar`, ann.cookie, { method: "DELETE" })).status).toBe(403);
    const removed = await api(a.url, `/users/${bob.user.id}/avatar`, boss.cookie, { method: "DELETE" });
    expect([removed.status, removed.body.avatarUrl]).toEqual([200, null]);
    expect(storedFor(bob.user.id)).toEqual([]);
    const audit = await api(a.url, "/admin/audit", boss.cookie);
    expect(JSON.stringify(audit.body)).toContain("user.avatar.remove");
    expect((await api(a.url, "/users/9999/avatar", boss.cookie, { method: "DELETE" })).status).toBe(404);
  });
});

describe("profile pictures on the S3 store", () => {
  let s3: S3ServerHandle;
  let server: RunningChatServer;
  let who: SignedIn;

  beforeAll(async () => {
    s3 = await startS3Server();
    const attachments = {
      ...loadConfig({}).attachments,
      dir: "/nonexistent",
      store: "s3" as const,
      s3: { endpoint: s3.endpoint, region: "us-east-1", bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true, prefix: "chat/" },
    };
    server = await startChatServer({ redisUrl: db.redis.url, attachments });
    [who] = await signUp(server.url, "s3face");
  }, 30_000);
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  it("stores, serves, replaces and removes pictures through the same routes", async () => {
    const keysNow = async () => {
      const found: string[] = [];
      for await (const key of server.instance.ctx.attachments.store.list(`avatars/${who.user.id}/`)) found.push(key);
      return found;
    };
    const first = await putAvatar(server.url, who, await png(120, 90));
    expect(first.status).toBe(200);
    const got = await download(server.url, who.cookie, `${first.body.avatarUrl}&size=256`);
    expect(got.status).toBe(200);
    expect((await sharp(got.bytes).metadata()).width).toBe(256);
    const second = await putAvatar(server.url, who, await png(90, 120));
    expect(second.body.avatarUrl).not.toBe(first.body.avatarUrl);
    expect(await keysNow()).toHaveLength(2);
    expect((await api(server.url, "/me/avatar", who.cookie, { method: "DELETE" })).status).toBe(200);
    expect(await keysNow()).toEqual([]);
  });
});
