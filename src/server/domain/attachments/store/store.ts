import type { Readable } from "node:stream";

/** A byte range of a stored object, both ends inclusive (as HTTP's `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where file bytes live: named objects, written and read as streams (never whole in memory).
 * Knows nothing of rooms or messages: attachments, thumbnails and profile pictures all use it
 * with keys of their own (`rooms/<roomId>/<id>`, `avatars/...`). Implementations side by side:
 * local.ts (a folder, the default) and s3.ts (S3-compatible object storage).
 */
export interface BlobStore {
  /** `local` or `s3` (logs, the migration command). */
  readonly kind: string;
  /**
   * Stores the stream's bytes under `key`, replacing what was there. When the stream fails (too
   * large, client gone), nothing is stored under `key` and the promise rejects with that error.
   */
  put(key: string, body: Readable, contentType: string): Promise<void>;
  /** The object's bytes (or the range), or undefined when there is no such object. */
  get(key: string, range?: ByteRange): Promise<Readable | undefined>;
  /** Removes the objects; keys that do not exist are ignored. */
  delete(keys: readonly string[]): Promise<void>;
  /** Every key starting with `prefix` (`""`: all), in no particular order. */
  list(prefix: string): AsyncIterable<string>;
}

/** Keys are relative paths of safe characters, never climbing out (`..`) nor absolute. */
const KEY = /^[A-Za-z0-9_:-][A-Za-z0-9_.:-]*(?:\/[A-Za-z0-9_:-][A-Za-z0-9_.:-]*)*$/;

export function checkKey(key: string): string {
  if (!KEY.test(key) || key.split("/").some((part) => part === "." || part === "..") || key.length > 512) {
    throw new Error(`not a valid store key: ${JSON.stringify(key)}`);
  }
  return key;
}
