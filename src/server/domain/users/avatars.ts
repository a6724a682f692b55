import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { fileTypeFromBuffer } from "file-type";
import { AVATAR_SIZES, AVATAR_TYPES, avatarUrl, type AvatarSize } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import { makeSquares, type SquareCrop } from "../attachments/images.js";
import type { BlobStore } from "../attachments/store/index.js";

export type AvatarOutcome =
  | { status: "stored"; avatarUrl: string }
  /** Not a raster image the server takes (sniffed from the bytes): SVG, HTML, PDF, unknown. */
  | { status: "not-an-image" }
  | { status: "too-many-pixels" }
  | { status: "unreadable" }
  | { status: "bad-crop" }
  | { status: "no-such-user" };

/**
 * KEYS: the seed's `user:{id}` hash. ARGV: the new version ("" removes the picture).
 * Sets (or removes) the field `avatar` of an existing user and returns the version it replaced
 * ("" for none); false when there is no such user. One script, so two racing uploads each learn
 * which objects to delete and none is left behind.
 */
const SWAP_VERSION = new LuaScript(`
if redis.call('HEXISTS', KEYS[1], 'username') == 0 then return false end
local old = redis.call('HGET', KEYS[1], 'avatar') or ''
if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'avatar') else redis.call('HSET', KEYS[1], 'avatar', ARGV[1]) end
return old
`);

/** The store key of one size of one version of a person's picture. */
const blobKey = (userId: number, version: string, size: number) => `avatars/${userId}/${version}-${size}.webp`;

/**
 * Profile pictures (issues 15 and 18): cropped square, EXIF orientation applied, metadata stripped,
 * one WebP per AVATAR_SIZES, in the same BlobStore as files (`avatars/{userId}/{version}-{size}.webp`)
 * and made by the same image code (attachments/images.ts). The current version is the field `avatar`
 * of the seed's `user:{id}` hash (seed servers ignore it); a new upload is a new version, so its
 * URL changes and caches may keep each version for a long time.
 */
export class Avatars {
  constructor(
    private readonly redis: Redis,
    private readonly store: BlobStore,
    private readonly maxPixels: number,
  ) {}

  /** Makes and stores the picture, then points the profile at it (and removes the one it replaced). */
  async set(userId: number, image: Buffer, crop?: SquareCrop): Promise<AvatarOutcome> {
    const type = (await fileTypeFromBuffer(image))?.mime;
    if (!type || !AVATAR_TYPES.includes(type)) return { status: "not-an-image" };
    const made = await makeSquares(async () => image, this.maxPixels, AVATAR_SIZES, crop);
    if (made.status !== "ok") return made;
    const version = randomBytes(9).toString("base64url");
    await Promise.all(AVATAR_SIZES.map((size, i) => this.store.put(blobKey(userId, version, size), Readable.from([made.images[i]!]), "image/webp")));
    const old = await SWAP_VERSION.run(this.redis, [keys.user(userId)], [version]);
    if (old === null) {
      await this.deleteVersion(userId, version);
      return { status: "no-such-user" };
    }
    if (old) await this.deleteVersion(userId, String(old));
    return { status: "stored", avatarUrl: avatarUrl(userId, version) };
  }

  /** Removes the person's picture; false when they had none. */
  async remove(userId: number): Promise<boolean> {
    const old = await SWAP_VERSION.run(this.redis, [keys.user(userId)], [""]);
    if (!old) return false;
    await this.deleteVersion(userId, String(old));
    return true;
  }

  /** The current version, or undefined when the person has no picture. */
  async version(userId: number): Promise<string | undefined> {
    return (await this.redis.hGet(keys.user(userId), "avatar")) || undefined;
  }

  /** The bytes of the current picture at `size`, with its version; undefined when there is none. */
  async read(userId: number, size: AvatarSize): Promise<{ version: string; body: Readable } | undefined> {
    const version = await this.version(userId);
    if (!version) return undefined;
    const body = await this.store.get(blobKey(userId, version, size));
    return body ? { version, body } : undefined;
  }

  private deleteVersion(userId: number, version: string): Promise<void> {
    return this.store.delete(AVATAR_SIZES.map((size) => blobKey(userId, version, size)));
  }
}
