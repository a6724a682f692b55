import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, opendir, rename, rm } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checkKey, type BlobStore, type ByteRange } from "./store.js";

/** Temporary files of writes in progress, inside the store's folder (same file system: rename is atomic). */
const TEMP_DIR = ".incoming";

/**
 * Objects as files under one folder (`ATTACHMENT_DIR`, default `./data/attachments`). A write goes
 * to a temporary file first and is renamed into place when complete, so a reader never sees half
 * a file and a failed upload leaves nothing behind.
 */
export class LocalStore implements BlobStore {
  readonly kind = "local";

  constructor(private readonly root: string) {}

  private path(key: string): string {
    return join(this.root, ...checkKey(key).split("/"));
  }

  async put(key: string, body: Readable, _contentType: string): Promise<void> {
    const target = this.path(key);
    const temp = join(this.root, TEMP_DIR, randomBytes(12).toString("hex"));
    await mkdir(dirname(temp), { recursive: true });
    try {
      await pipeline(body, createWriteStream(temp, { flags: "wx" }));
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    const stream = createReadStream(this.path(key), range ? { start: range.start, end: range.end } : {});
    // Opening is asynchronous: wait for it, so that a missing file is "none" rather than a stream error.
    return new Promise((resolve, reject) => {
      stream.once("ready", () => resolve(stream));
      stream.once("error", (err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? resolve(undefined) : reject(err)));
    });
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.path(key), { force: true })));
  }

  async *list(prefix: string): AsyncIterable<string> {
    yield* walk(this.root, this.root, prefix);
  }
}

async function* walk(root: string, dir: string, prefix: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await opendir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  for await (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (dir === root && entry.name === TEMP_DIR) continue;
      yield* walk(root, full, prefix);
    } else if (entry.isFile()) {
      const key = relative(root, full).split(sep).join("/");
      if (key.startsWith(prefix)) yield key;
    }
  }
}
