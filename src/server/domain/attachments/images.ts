import sharp, { type Metadata } from "sharp";
import { THUMBNAIL_SIZE } from "../../../protocol/index.js";

/** Sniffed types that get a thumbnail (HEIC where the bundled libvips decodes it). */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "image/heif"]);

export type ImageOutcome =
  | { status: "ok"; width: number; height: number; thumbnail: Buffer }
  /** More pixels than allowed, found from the header alone: never decoded. */
  | { status: "too-many-pixels" }
  /** The decoder could not read it (corrupt, truncated, an unsupported variant). */
  | { status: "unreadable" };

/** Thumbnails made at once by this process: each holds its image in memory while it is made. */
const CONCURRENCY = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * Reads an image's size from its header and makes its thumbnail (sharp, libvips): a WebP of at
 * most THUMBNAIL_SIZE pixels on the longer side, EXIF orientation applied, no metadata kept (sharp
 * writes none unless asked). `width`/`height` are the image's as displayed (after orientation).
 * An image over `maxPixels` (width x height x frames) is refused before any pixel is decoded, so
 * a decompression bomb costs only its header. Reusable for any image (profile pictures too).
 */
export function makeThumbnail(image: Buffer, maxPixels: number): Promise<ImageOutcome> {
  return limited(async () => {
    let meta: Metadata;
    try {
      meta = await sharp(image, { limitInputPixels: false }).metadata();
    } catch {
      return { status: "unreadable" };
    }
    if (!meta.width || !meta.height) return { status: "unreadable" };
    if (meta.width * meta.height * (meta.pages ?? 1) > maxPixels) return { status: "too-many-pixels" };
    try {
      // First frame only; libvips still enforces the pixel limit while decoding.
      const thumbnail = await sharp(image, { limitInputPixels: maxPixels, failOn: "error" })
        .autoOrient()
        .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: "inside", withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      const { width, height } = meta.autoOrient ?? meta;
      return { status: "ok", width, height, thumbnail };
    } catch (err) {
      return /pixel limit/i.test(String(err)) ? { status: "too-many-pixels" } : { status: "unreadable" };
    }
  });
}
