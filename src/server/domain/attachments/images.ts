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

/** The header of an image that may be decoded: readable, and within the pixel limit. */
type Checked = { status: "ok"; meta: Metadata } | Exclude<ImageOutcome, { status: "ok" }>;

/**
 * Reads only the header: an image over `maxPixels` (width x height x frames) is refused before any
 * pixel is decoded, so a decompression bomb costs only its header.
 */
async function checkHeader(image: Buffer, maxPixels: number): Promise<Checked> {
  let meta: Metadata;
  try {
    meta = await sharp(image, { limitInputPixels: false }).metadata();
  } catch {
    return { status: "unreadable" };
  }
  if (!meta.width || !meta.height) return { status: "unreadable" };
  if (meta.width * meta.height * (meta.pages ?? 1) > maxPixels) return { status: "too-many-pixels" };
  return { status: "ok", meta };
}

/** A decoding failure as an outcome: libvips' own pixel limit, or anything else it could not read. */
const decodeFailure = (err: unknown): Exclude<ImageOutcome, { status: "ok" }> =>
  /pixel limit/i.test(String(err)) ? { status: "too-many-pixels" } : { status: "unreadable" };

/**
 * Reads an image's size from its header and makes its thumbnail (sharp, libvips): a WebP of at
 * most THUMBNAIL_SIZE pixels on the longer side, EXIF orientation applied, no metadata kept (sharp
 * writes none unless asked). `width`/`height` are the image's as displayed (after orientation).
 * An image over `maxPixels` is refused before any pixel is decoded (checkHeader).
 * `load` reads the image into memory once a slot is free (at most CONCURRENCY images are held).
 */
export function makeThumbnail(load: () => Promise<Buffer>, maxPixels: number): Promise<ImageOutcome> {
  return limited(async () => {
    const image = await load();
    const checked = await checkHeader(image, maxPixels);
    if (checked.status !== "ok") return checked;
    const { meta } = checked;
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
      return decodeFailure(err);
    }
  });
}

/** A square of the image as displayed (after EXIF orientation), in its pixels. */
export interface SquareCrop {
  left: number;
  top: number;
  size: number;
}

export type SquareOutcome =
  /** `images[i]`: a WebP of `sizes[i]` x `sizes[i]` pixels, no metadata. */
  | { status: "ok"; images: Buffer[] }
  | Exclude<ImageOutcome, { status: "ok" }>
  /** The crop box is not inside the image. */
  | { status: "bad-crop" };

/**
 * Square pictures of an image (profile pictures): the crop box, or the centred largest square,
 * EXIF orientation applied first (so the box is in the picture as people see it), resized to each
 * of `sizes` (exactly: every avatar of a size is alike), WebP without metadata. Same guards and concurrency limit as makeThumbnail.
 */
export function makeSquares(load: () => Promise<Buffer>, maxPixels: number, sizes: readonly number[], crop?: SquareCrop): Promise<SquareOutcome> {
  return limited(async () => {
    const image = await load();
    const checked = await checkHeader(image, maxPixels);
    if (checked.status !== "ok") return checked;
    const { width, height } = checked.meta.autoOrient ?? checked.meta;
    const side = Math.min(width, height);
    const box = crop ?? { left: Math.floor((width - side) / 2), top: Math.floor((height - side) / 2), size: side };
    if (box.size < 1 || box.left < 0 || box.top < 0 || box.left + box.size > width || box.top + box.size > height) {
      return { status: "bad-crop" };
    }
    try {
      // autoOrient before extract: the box is in the picture as displayed.
      const largest = Math.max(...sizes);
      const square = await sharp(image, { limitInputPixels: maxPixels, failOn: "error" })
        .autoOrient()
        .extract({ left: box.left, top: box.top, width: box.size, height: box.size })
        .resize({ width: largest, height: largest })
        .png({ compressionLevel: 1 })
        .toBuffer();
      const images = await Promise.all(sizes.map((s) => sharp(square).resize({ width: s, height: s }).webp({ quality: 85 }).toBuffer()));
      return { status: "ok", images };
    } catch (err) {
      return decodeFailure(err);
    }
  });
}
