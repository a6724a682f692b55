/**
 * Metadata removed from an image without decoding it: the compressed picture is copied as it is,
 * segment by segment (JPEG), chunk by chunk (PNG, WebP) or block by block (GIF), keeping only what
 * draws the picture and its colours (an ICC profile stays: without it a wide-gamut photo would show
 * wrong colours), and dropping everything else: EXIF (GPS position, camera, dates), XMP, IPTC,
 * comments, text chunks, thumbnails, unknown segments, and anything after the image's end (a
 * polyglot's payload). Re-encoding to drop metadata made a 17 KB phone JPEG 35 KB (quality 92)
 * and lost quality each time; this keeps the picture's own bytes.
 *
 * Every function answers undefined when the file is not laid out as expected (an unknown critical
 * part, a truncated file): the caller then re-encodes it, which drops everything too.
 */

/** JPEG segments kept besides the picture's own (tables, frame, scans): JFIF, ICC profile, Adobe colour transform. */
function keepJpegApp(marker: number, data: Buffer): boolean {
  if (marker === 0xe0) return data.subarray(0, 5).toString("latin1") === "JFIF\0";
  if (marker === 0xe2) return data.subarray(0, 12).toString("latin1") === "ICC_PROFILE\0";
  if (marker === 0xee) return data.subarray(0, 5).toString("latin1") === "Adobe";
  return false;
}

/** Markers of the picture itself: DQT, DHT, DAC, DRI, DNL, DHP, EXP and every SOFn. */
function isPictureMarker(marker: number): boolean {
  return marker === 0xdb || marker === 0xc4 || marker === 0xcc || marker === 0xdd || marker === 0xdc || marker === 0xde || marker === 0xdf ||
    (marker >= 0xc0 && marker <= 0xcf);
}

export function stripJpeg(input: Buffer): Buffer | undefined {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== 0xd8) return undefined;
  const out: Buffer[] = [input.subarray(0, 2)];
  let at = 2;
  for (;;) {
    if (at + 1 >= input.length || input[at] !== 0xff) return undefined;
    while (input[at + 1] === 0xff) at++; // fill bytes
    const marker = input[at + 1]!;
    if (marker === 0xd9) {
      out.push(Buffer.from([0xff, 0xd9]));
      return Buffer.concat(out); // anything after the end of the image is dropped
    }
    if (at + 4 > input.length) return undefined;
    const length = input.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > input.length) return undefined;
    const segment = input.subarray(at, end);
    if (marker === 0xda) {
      // A scan: its header, then entropy-coded data up to the next marker that is neither a
      // stuffed 0xFF00 nor a restart marker.
      let scanEnd = end;
      while (scanEnd + 1 < input.length && !(input[scanEnd] === 0xff && input[scanEnd + 1] !== 0 && (input[scanEnd + 1]! < 0xd0 || input[scanEnd + 1]! > 0xd7))) scanEnd++;
      if (scanEnd + 1 >= input.length) return undefined;
      out.push(input.subarray(at, scanEnd));
      at = scanEnd;
      continue;
    }
    if (isPictureMarker(marker) || (marker >= 0xe0 && marker <= 0xef && keepJpegApp(marker, segment.subarray(4)))) out.push(segment);
    else if (!(marker >= 0xe0 && marker <= 0xef) && marker !== 0xfe) return undefined; // unknown: let the encoder decide
    at = end;
  }
}

/** PNG chunks kept: the critical ones, transparency, colour (gamma, chromaticities, ICC, sRGB, HDR), pixel size, background, and APNG's frames. */
const PNG_KEPT = new Set(["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "iCCP", "sRGB", "sBIT", "cICP", "mDCV", "cLLI", "mDCv", "cLLi", "pHYs", "bKGD", "acTL", "fcTL", "fdAT"]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function stripPng(input: Buffer): Buffer | undefined {
  if (input.length < 8 || !input.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  const out: Buffer[] = [PNG_SIGNATURE];
  let at = 8;
  while (at + 12 <= input.length) {
    const length = input.readUInt32BE(at);
    const type = input.subarray(at + 4, at + 8).toString("latin1");
    const end = at + 12 + length;
    if (end > input.length) return undefined;
    // Text, eXIf, tIME and any other ancillary chunk (lower-case first letter) go; an unknown critical one cannot.
    if (PNG_KEPT.has(type)) out.push(input.subarray(at, end));
    else if (!/^[a-z]/.test(type)) return undefined;
    if (type === "IEND") return Buffer.concat(out);
    at = end;
  }
  return undefined;
}

/** WebP chunks kept: the bitstreams, alpha, animation and the ICC profile (EXIF and XMP go). */
const WEBP_KEPT = new Set(["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "ICCP"]);

export function stripWebp(input: Buffer): Buffer | undefined {
  if (input.length < 20 || input.toString("latin1", 0, 4) !== "RIFF" || input.toString("latin1", 8, 12) !== "WEBP") return undefined;
  const riffEnd = 8 + input.readUInt32LE(4);
  if (riffEnd > input.length) return undefined;
  const chunks: Buffer[] = [];
  let at = 12;
  while (at + 8 <= riffEnd) {
    const type = input.toString("latin1", at, at + 4);
    const size = input.readUInt32LE(at + 4);
    const end = at + 8 + size + (size & 1);
    if (end > riffEnd) return undefined;
    if (WEBP_KEPT.has(type)) {
      const chunk = Buffer.from(input.subarray(at, end));
      // VP8X flags: no EXIF (bit 3), no XMP (bit 2) any more.
      if (type === "VP8X") chunk[8] = chunk[8]! & ~0x0c;
      chunks.push(chunk);
    }
    at = end;
  }
  if (at !== riffEnd || chunks.length === 0) return undefined;
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(4 + body.length, 4);
  header.write("WEBP", 8, "latin1");
  return Buffer.concat([header, body]); // anything after the RIFF's end is dropped
}

/**
 * GIF blocks kept: the screen and colour tables, frames, graphic controls (timing, transparency),
 * plain text, and the loop count (NETSCAPE2.0 / ANIMEXTS1.0); comments and other application
 * extensions (XMP, ICC) go.
 */
export function stripGif(input: Buffer): Buffer | undefined {
  const signature = input.toString("latin1", 0, 6);
  if (input.length < 14 || (signature !== "GIF87a" && signature !== "GIF89a")) return undefined;
  const flags = input[10]!;
  let at = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  if (at > input.length) return undefined;
  const out: Buffer[] = [input.subarray(0, at)];
  /** The end of the data sub-blocks starting at `from` (after their 0 terminator), or -1. */
  const subBlocksEnd = (from: number): number => {
    let p = from;
    while (p < input.length && input[p] !== 0) p += input[p]! + 1;
    return p < input.length ? p + 1 : -1;
  };
  while (at < input.length) {
    const kind = input[at]!;
    if (kind === 0x3b) {
      out.push(input.subarray(at, at + 1));
      return Buffer.concat(out); // anything after the trailer is dropped
    }
    if (kind === 0x2c) {
      if (at + 10 > input.length) return undefined;
      const local = input[at + 9]!;
      const data = at + 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0) + 1; // + the LZW code size
      const end = subBlocksEnd(data);
      if (end < 0) return undefined;
      out.push(input.subarray(at, end));
      at = end;
    } else if (kind === 0x21) {
      const label = input[at + 1];
      const end = subBlocksEnd(at + 2);
      if (end < 0 || label === undefined) return undefined;
      const app = label === 0xff ? input.toString("latin1", at + 3, at + 14) : "";
      if (label === 0xf9 || label === 0x01 || app === "NETSCAPE2.0" || app === "ANIMEXTS1.0") out.push(input.subarray(at, end));
      at = end;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** The image without metadata, its picture bytes untouched; undefined when only re-encoding can do it. */
export function stripMetadata(input: Buffer, format: string | undefined): Buffer | undefined {
  switch (format) {
    case "jpeg":
      return stripJpeg(input);
    case "png":
      return stripPng(input);
    case "webp":
      return stripWebp(input);
    case "gif":
      return stripGif(input);
    default:
      return undefined;
  }
}

/**
 * The IJG quality (1-100) a JPEG was written at, from its first quantisation table (luminance)
 * compared with the standard one; undefined without a table. Used to re-encode a photo that must
 * be turned upright at about its own quality, not a fixed higher one that makes it larger.
 */
export function jpegQuality(input: Buffer): number | undefined {
  const STANDARD_LUMA_SUM = 3688; // sum of the 64 values of the JPEG standard's luminance table (Annex K)
  let at = 2;
  while (at + 4 <= input.length && input[at] === 0xff) {
    const marker = input[at + 1]!;
    const length = input.readUInt16BE(at + 2);
    if (marker === 0xda || length < 2) return undefined;
    if (marker === 0xdb && at + 2 + length <= input.length) {
      const precision = input[at + 4]! >> 4;
      let sum = 0;
      for (let i = 0; i < 64; i++) sum += precision ? input.readUInt16BE(at + 5 + i * 2) : input[at + 5 + i]!;
      const scale = (sum * 100) / STANDARD_LUMA_SUM;
      const quality = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
      return Math.max(1, Math.min(100, Math.round(quality)));
    }
    at += 2 + length;
  }
  return undefined;
}
