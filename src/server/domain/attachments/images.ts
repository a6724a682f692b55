import sharp, { type Metadata, type Sharp } from "sharp";
import { THUMBNAIL_SIZE } from "../../../protocol/index.js";

/** Sniffed types that get a thumbnail (HEIC where the bundled libvips decodes it). */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "image/heif"]);

export type ImageOutcome =
  | {
      status: "ok";
      /** As displayed: EXIF orientation applied (the page height of an animation). */
      width: number;
      height: number;
      /** The image again in its own format, upright and without metadata: what is stored and served. */
      original: Buffer;
      thumbnail: Buffer;
    }
  /** More pixels than allowed, found from the header alone: never decoded. */
  | { status: "too-many-pixels" }
  /** The decoder could not read it (corrupt, truncated, an unsupported variant such as HEVC HEIC). */
  | { status: "unreadable" };

/** Images processed at once by this process: each holds its image (and its new copy) in memory meanwhile. */
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
 * Prepares an uploaded image (sharp, libvips) for sharing:
 * - its size is read from the header, and an image over `maxPixels` (width x height x frames) is
 *   refused before any pixel is decoded, so a decompression bomb costs only its header;
 * - the original is written again in its own format with its EXIF orientation applied and no
 *   metadata at all (sharp writes none unless asked): no GPS position, camera or owner leaves with
 *   it, and bytes hidden around the picture (a polyglot) do not survive. Quality stays high; every
 *   frame of an animation is kept with its timing;
 * - its thumbnail is a WebP of at most THUMBNAIL_SIZE pixels on the longer side (first frame).
 * `load` reads the image into memory once a slot is free (at most CONCURRENCY images are held).
 * Profile pictures are made by makeSquares below, with the same guards.
 */
export function prepareImage(load: () => Promise<Buffer>, maxPixels: number): Promise<ImageOutcome> {
  return limited(async () => {
    const image = await load();
    const checked = await checkHeader(image, maxPixels);
    if (checked.status !== "ok") return checked;
    const { meta } = checked;
    const pages = meta.pages ?? 1;
    try {
      // libvips still enforces the pixel limit while decoding (all frames of an animation count).
      const upright = sharp(image, { limitInputPixels: maxPixels, failOn: "error", animated: pages > 1 }).autoOrient();
      const encoded = await sameFormat(upright, meta, image)?.toBuffer({ resolveWithObject: true });
      if (!encoded) return { status: "unreadable" };
      const thumbnail = await sharp(image, { limitInputPixels: maxPixels, failOn: "error" })
        .autoOrient()
        .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: "inside", withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      const { width, height, pageHeight } = encoded.info;
      return { status: "ok", width, height: pageHeight ?? height, original: encoded.data, thumbnail };
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
 * of `sizes` (exactly: every avatar of a size is alike), WebP without metadata. Same guards (checkHeader)
 * and concurrency limit as prepareImage.
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

/**
 * The encoder for the image's own format, set for high quality: JPEG at 92, PNG lossless (a
 * palette PNG stays one), WebP lossless when it was (a VP8L bitstream) else at 90, GIF with its
 * palettes reused, AVIF at 75. Undefined for a format it cannot write back (HEVC HEIC).
 * Measured on an 8000 x 6000 JPEG: about 50 MB more memory while it is written (160 MB when it
 * must be turned: the whole picture is then held), within the two images at a time.
 */
function sameFormat(pipeline: Sharp, meta: Metadata, input: Buffer): Sharp | undefined {
  switch (meta.format) {
    case "jpeg":
      // No optimised Huffman tables: they hold the whole picture in memory (+250 MB at 48 MP) for ~5% fewer bytes.
      return pipeline.jpeg({ quality: 92, optimiseCoding: false });
    case "png":
      return pipeline.png(meta.isPalette ? { palette: true, quality: 100, dither: 0 } : {});
    case "webp":
      return pipeline.webp(input.includes("VP8L", 12, "latin1") && !input.includes("VP8 ", 12, "latin1") ? { lossless: true } : { quality: 90 });
    case "gif":
      return pipeline.gif();
    case "heif":
      // The fastest AV1 effort: at sharp's default (4) a 12 MP photo took 7x as long (minutes on a busy box) to encode.
      return meta.compression === "av1" ? pipeline.avif({ quality: 75, effort: 0 }) : undefined;
    default:
      return undefined;
  }
}
