import type { Metadata, Sharp } from "sharp";
import { THUMBNAIL_SIZE } from "../../../protocol/index.js";
import { jpegQuality, stripMetadata } from "./strip.js";

/** Sniffed types that get a thumbnail (HEIC where the bundled libvips decodes it). */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic", "image/heif"]);

export type ImageOutcome =
  | {
      status: "ok";
      /** As displayed: EXIF orientation applied (the page height of an animation). */
      width: number;
      height: number;
      /** The image in its own format, upright and without metadata: what is stored and served. */
      original: Buffer;
    }
  /** More pixels than allowed, found from the header alone: never decoded. */
  | { status: "too-many-pixels" }
  /** The decoder could not read it (corrupt, truncated, an unsupported variant such as HEVC HEIC). */
  | { status: "unreadable" };

/**
 * sharp (libvips: some 30 MB of memory and a thread pool once loaded) is loaded with the first image
 * to process, not at start-up: many processes never see one. One libvips thread per operation
 * (sharp's default is one per core): with at most CONCURRENCY images at once, image work takes
 * that many cores at most and leaves the others to the event loop.
 */
let sharpModule: Promise<typeof import("sharp").default> | undefined;
const loadSharp = () =>
  (sharpModule ??= import("sharp").then((m) => {
    m.default.concurrency(1);
    return m.default;
  }));

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
  const sharp = await loadSharp();
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
 * Prepares an uploaded image (sharp, libvips) for sharing, within the upload request:
 * - its size is read from the header, and an image over `maxPixels` (width x height x frames) is
 *   refused before any pixel is decoded, so a decompression bomb costs only its header;
 * - no metadata leaves with it: no GPS position, camera or owner, and bytes hidden around the
 *   picture (a polyglot) do not survive. An upright JPEG, PNG, WebP or GIF keeps its own picture
 *   bytes with only the metadata cut out (strip.ts: never larger, no quality lost, nothing
 *   decoded: the common case costs the request a header read and a copy); one that must
 *   be turned (EXIF orientation) or that strip.ts cannot read (AVIF) is written again in its own
 *   format, upright (sharp writes no metadata unless asked), a JPEG at about its own quality; every
 *   frame of an animation is kept with its timing. That re-encoding stays in the request: the file
 *   is served as soon as the upload answers, so it must already carry no metadata.
 * The thumbnail is made later, off the request (makeThumbnail, thumbnails.ts).
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
    const stripped = (meta.orientation ?? 1) === 1 ? stripMetadata(image, meta.format) : undefined;
    if (stripped) return { status: "ok", width: meta.width!, height: meta.pageHeight ?? meta.height!, original: stripped };
    const sharp = await loadSharp();
    try {
      // libvips still enforces the pixel limit while decoding (all frames of an animation count).
      const upright = sharp(image, { limitInputPixels: maxPixels, failOn: "error", animated: pages > 1 }).autoOrient();
      const encoded = await sameFormat(upright, meta, image)?.toBuffer({ resolveWithObject: true });
      if (!encoded) return { status: "unreadable" };
      const { width, height, pageHeight } = encoded.info;
      return { status: "ok", width, height: pageHeight ?? height, original: encoded.data };
    } catch (err) {
      return decodeFailure(err);
    }
  });
}

/**
 * The thumbnail of a stored image (as prepareImage left it): a WebP of at most THUMBNAIL_SIZE
 * pixels on the longer side (first frame, upright), or undefined when it does not decode. Same
 * guards and concurrency limit as prepareImage.
 */
export function makeThumbnail(load: () => Promise<Buffer | undefined>, maxPixels: number): Promise<Buffer | undefined> {
  return limited(async () => {
    const image = await load();
    if (!image) return undefined;
    const checked = await checkHeader(image, maxPixels);
    if (checked.status !== "ok") return undefined;
    const sharp = await loadSharp();
    return sharp(image, { limitInputPixels: maxPixels, failOn: "error" })
      .autoOrient()
      .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: "inside", withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer()
      .catch(() => undefined);
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
    const sharp = await loadSharp();
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

/** The largest JPEG (in pixels) written again with optimised Huffman tables: a 12 MP phone photo. */
const OPTIMISED_CODING_PIXELS = 12_600_000;

/**
 * The encoder for the image's own format (an image strip.ts could not take as it is), set for high
 * quality: JPEG at its own quality as read from its tables (at most 95; 92 when unknown: a fixed 92
 * nearly doubled a phone photo's size), PNG lossless (a
 * palette PNG stays one), WebP lossless when it was (a VP8L bitstream) else at 90, GIF with its
 * palettes reused, AVIF at 75. Undefined for a format it cannot write back (HEVC HEIC).
 * Measured on an 8000 x 6000 JPEG: about 50 MB more memory while it is written (160 MB when it
 * must be turned: the whole picture is then held), within the two images at a time.
 */
function sameFormat(pipeline: Sharp, meta: Metadata, input: Buffer): Sharp | undefined {
  switch (meta.format) {
    case "jpeg":
      // Optimised Huffman tables hold the whole picture in memory (+250 MB at 48 MP) for 5-10% fewer
      // bytes: only for pictures up to OPTIMISED_CODING_PIXELS (about 60 MB more at 12 MP).
      return pipeline.jpeg({ quality: Math.min(95, jpegQuality(input) ?? 92), optimiseCoding: (meta.width ?? 0) * (meta.height ?? 0) <= OPTIMISED_CODING_PIXELS });
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
