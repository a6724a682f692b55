import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStore } from "../../src/server/domain/attachments/store/local.js";
import { S3Store } from "../../src/server/domain/attachments/store/s3.js";
import type { BlobStore } from "../../src/server/domain/attachments/store/store.js";
import { migrateStore } from "../../src/server/domain/attachments/store/migrate.js";
import { startS3Server, type S3ServerHandle } from "../support/s3-server.js";

/** A stream of `total` bytes in chunks of `chunk`, failing after `failAfter` bytes when given. */
function bytes(total: number, options: { chunk?: number; failAfter?: number; fill?: number } = {}): Readable {
  const { chunk = 64 * 1024, failAfter, fill = 97 } = options;
  let sent = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) return this.destroy(new Error("client went away"));
      if (sent >= total) return this.push(null);
      const size = Math.min(chunk, total - sent);
      sent += size;
      this.push(Buffer.alloc(size, fill));
    },
  });
}

async function readAll(store: BlobStore, key: string, range?: { start: number; end: number }) {
  const stream = await store.get(key, range);
  return stream === undefined ? undefined : text(stream);
}

async function keysOf(store: BlobStore, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const key of store.list(prefix)) out.push(key);
  return out.sort();
}

let s3: S3ServerHandle;
let dir: string;
beforeAll(async () => {
  s3 = await startS3Server();
  dir = mkdtempSync(join(tmpdir(), "local-store-"));
}, 30_000);
afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => BlobStore][] = [
  ["local", () => new LocalStore(dir)],
  [
    "s3",
    () =>
      new S3Store({
        endpoint: s3.endpoint,
        region: "us-east-1",
        bucket: s3.bucket,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        forcePathStyle: true,
      }),
  ],
];

describe.each(stores)("the %s store keeps the blob store's contract", (kind, make) => {
  let store: BlobStore;
  beforeAll(() => {
    store = make();
  });

  it("stores a stream under a key and streams it back whole", async () => {
    await store.put(`${kind}/rooms/0/a`, Readable.from([Buffer.from("hello "), Buffer.from("world")]), "text/plain");
    expect(await readAll(store, `${kind}/rooms/0/a`)).toBe("hello world");
  });

  it("streams back a byte range, both ends included", async () => {
    await store.put(`${kind}/rooms/0/range`, Readable.from([Buffer.from("0123456789")]), "text/plain");
    expect(await readAll(store, `${kind}/rooms/0/range`, { start: 2, end: 5 })).toBe("2345");
    expect(await readAll(store, `${kind}/rooms/0/range`, { start: 9, end: 9 })).toBe("9");
  });

  it("answers undefined for a key it does not have", async () => {
    expect(await store.get(`${kind}/rooms/0/none`)).toBeUndefined();
  });

  it("replaces an object written again under the same key", async () => {
    await store.put(`${kind}/rooms/0/again`, Readable.from([Buffer.from("first")]), "text/plain");
    await store.put(`${kind}/rooms/0/again`, Readable.from([Buffer.from("second")]), "text/plain");
    expect(await readAll(store, `${kind}/rooms/0/again`)).toBe("second");
  });

  it("stores nothing when the stream fails part way (a small file and a multipart one)", async () => {
    await expect(store.put(`${kind}/rooms/0/broken`, bytes(100_000, { failAfter: 64 * 1024 }), "application/octet-stream")).rejects.toThrow(
      "client went away",
    );
    await expect(
      store.put(`${kind}/rooms/0/broken-big`, bytes(12 * 1024 * 1024, { failAfter: 7 * 1024 * 1024 }), "application/octet-stream"),
    ).rejects.toThrow("client went away");
    expect(await store.get(`${kind}/rooms/0/broken`)).toBeUndefined();
    expect(await store.get(`${kind}/rooms/0/broken-big`)).toBeUndefined();
    if (kind === "local") expect(readdirSync(join(dir, ".incoming"))).toEqual([]);
  }, 30_000);

  it("stores a file larger than one S3 part (12 MB) and reads back the same bytes", async () => {
    await store.put(`${kind}/rooms/0/big`, bytes(12 * 1024 * 1024, { fill: 120 }), "application/octet-stream");
    const stream = (await store.get(`${kind}/rooms/0/big`))!;
    let size = 0;
    let same = true;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (chunk.some((b) => b !== 120)) same = false;
    }
    expect({ size, same }).toEqual({ size: 12 * 1024 * 1024, same: true });
  }, 30_000);

  it("lists keys by prefix and deletes several at once, ignoring missing ones", async () => {
    await store.put(`${kind}/rooms/7/x`, Readable.from([Buffer.from("x")]), "text/plain");
    await store.put(`${kind}/rooms/7/y.thumb`, Readable.from([Buffer.from("y")]), "image/webp");
    expect(await keysOf(store, `${kind}/rooms/7/`)).toEqual([`${kind}/rooms/7/x`, `${kind}/rooms/7/y.thumb`]);
    await store.delete([`${kind}/rooms/7/x`, `${kind}/rooms/7/y.thumb`, `${kind}/rooms/7/never`]);
    expect(await keysOf(store, `${kind}/rooms/7/`)).toEqual([]);
  });

  it("refuses keys that climb out of the store or are absolute", async () => {
    for (const key of ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b", ""]) {
      await expect(store.put(key, Readable.from([Buffer.from("x")]), "text/plain"), key).rejects.toThrow("not a valid store key");
    }
  });
});

describe("moving files between stores", () => {
  it("copies every object of one store into the other, bytes unchanged, and says how many", async () => {
    const from = new LocalStore(mkdtempSync(join(tmpdir(), "migrate-from-")));
    const to = stores[1]![1]();
    await from.put("rooms/3/one", Readable.from([Buffer.from("first file")]), "text/plain");
    await from.put("rooms/3/two.thumb", Readable.from([Buffer.from("second file")]), "image/webp");
    const moved = await migrateStore(from, to);
    expect(moved).toEqual({ copied: 2 });
    expect(await readAll(to, "rooms/3/one")).toBe("first file");
    expect(await readAll(to, "rooms/3/two.thumb")).toBe("second file");
  });
});
