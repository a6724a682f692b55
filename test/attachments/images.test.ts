import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { prepareImage } from "../../src/server/domain/attachments/images.js";
import { jpegQuality } from "../../src/server/domain/attachments/strip.js";

/** The image preparation on its own (images.ts): limits and formats that the routes' tests do not reach. */
describe("preparing an uploaded image", () => {
  /** An animation of `count` frames, each a different grey (identical frames would be merged). */
  const frames = (count: number, side: number) => {
    const strip = Buffer.concat(Array.from({ length: count }, (_, i) => Buffer.alloc(side * side * 3, 40 + i * 50)));
    return sharp(strip, { raw: { width: side, height: side * count, channels: 3, pageHeight: side } }).gif().toBuffer();
  };

  it("counts every frame of an animation against the pixel limit, from the header", async () => {
    const gif = await frames(3, 20); // 400 pixels a frame, 1200 in all
    expect((await prepareImage(async () => gif, 1000)).status).toBe("too-many-pixels");
    expect(await prepareImage(async () => gif, 1200)).toMatchObject({ status: "ok", width: 20, height: 20 });
  });

  it("keeps a palette PNG a palette PNG, with the very same pixels", async () => {
    const palette = await sharp({ create: { width: 50, height: 30, channels: 3, background: "#c03a2b" } }).png({ palette: true }).toBuffer();
    const out = await prepareImage(async () => palette, 1_000_000);
    if (out.status !== "ok") throw new Error(out.status);
    const meta = await sharp(out.original).metadata();
    expect([meta.format, meta.isPalette]).toEqual(["png", true]);
    expect((await sharp(out.original).raw().toBuffer()).equals(await sharp(palette).raw().toBuffer())).toBe(true);
  });

  it("answers unreadable for a picture it cannot decode, and for a format it cannot write back", async () => {
    const tiff = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).tiff().toBuffer();
    expect((await prepareImage(async () => Buffer.from("not an image at all"), 1_000_000)).status).toBe("unreadable");
    expect((await prepareImage(async () => tiff, 1_000_000)).status).toBe("unreadable");
  });
});

/**
 * Metadata is cut out of the file (strip.ts), not re-encoded away: a re-encode at a fixed quality 92
 * stored a 17 KB phone photo as 35 KB. Images are photo-like (a gradient with noise) and carry a
 * camera, a GPS position and, for the JPEG, XMP, a comment and a colour profile.
 */
describe("stripping an uploaded image's metadata", () => {
  const exif = { IFD0: { Make: "TestCam", Model: "Secret Model 9" }, IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 2405/100" } };
  const photo = (width = 320, height = 200) =>
    sharp({ create: { width, height, channels: 3, background: "#000", noise: { type: "gaussian", mean: 120, sigma: 40 } } }).blur(1.2);
  const prepared = async (bytes: Buffer) => {
    const out = await prepareImage(async () => bytes, 10_000_000);
    if (out.status !== "ok") throw new Error(out.status);
    return out;
  };
  const pixels = (bytes: Buffer) => sharp(bytes).raw().toBuffer();

  it("keeps a JPEG, PNG, WebP and GIF's own picture bytes: no EXIF, GPS or camera left, never larger, the very same pixels", async () => {
    const jpeg = await photo().jpeg({ quality: 75 }).withExif(exif).withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/">Secret Model 9</x:xmpmeta>').toBuffer();
    const files = [
      ["jpeg", Buffer.concat([jpeg, Buffer.from("<html>after the end</html>")])],
      ["jpeg", await photo().jpeg({ quality: 90, progressive: true }).withExif(exif).toBuffer()],
      ["png", await photo().png().withExif(exif).toBuffer()],
      ["webp", await photo().webp({ quality: 80 }).withExif(exif).toBuffer()],
      ["webp", await photo().webp({ lossless: true }).withExif(exif).toBuffer()],
      ["gif", await withGifComment(await photo(64, 40).gif().toBuffer(), "Secret Model 9")],
    ] as const;
    for (const [format, bytes] of files) {
      expect(bytes.includes("Secret Model 9"), `${format} carries it before`).toBe(true);
      const out = await prepared(bytes);
      const meta = await sharp(out.original).metadata();
      expect([format, meta.format, meta.exif, meta.xmp, meta.comments]).toEqual([format, format, undefined, undefined, undefined]);
      for (const secret of ["Secret Model 9", "TestCam", "Exif", "<html>"]) expect(out.original.includes(secret), `${format}: ${secret}`).toBe(false);
      // Only the metadata's bytes are gone.
      expect(out.original.length, format).toBeLessThanOrEqual(bytes.length);
      expect(out.original.length, format).toBeGreaterThan(bytes.length - 1200);
      expect((await pixels(out.original)).equals(await pixels(bytes)), format).toBe(true);
    }
  });

  it("keeps a photo's colour profile (a wide-gamut photo shows its own colours) while dropping its EXIF", async () => {
    const p3 = await photo().jpeg({ quality: 80 }).withIccProfile("p3").withExif(exif).toBuffer();
    const out = await prepared(p3);
    const meta = await sharp(out.original).metadata();
    expect([meta.exif, meta.icc?.equals((await sharp(p3).metadata()).icc!)]).toEqual([undefined, true]);
  });

  it("turns a photo upright at about its own quality: no EXIF left and not larger than the original by more than 2%", async () => {
    for (const quality of [60, 75, 90]) {
      const sideways = await photo(640, 480).jpeg({ quality }).withMetadata({ orientation: 6 }).withExif(exif).toBuffer();
      expect(jpegQuality(sideways)).toBe(quality);
      const out = await prepared(sideways);
      const meta = await sharp(out.original).metadata();
      expect([out.width, out.height, meta.width, meta.height, meta.exif, meta.orientation]).toEqual([480, 640, 480, 640, undefined, undefined]);
      expect(out.original.includes("Secret Model 9")).toBe(false);
      expect(out.original.length, `quality ${quality}`).toBeLessThanOrEqual(sideways.length * 1.02);
    }
  });
});

/** A GIF with a comment extension (which sharp does not write) after its header and colour table. */
function withGifComment(gif: Buffer, text: string): Buffer {
  const flags = gif[10]!;
  const at = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  const comment = Buffer.concat([Buffer.from([0x21, 0xfe, text.length]), Buffer.from(text, "latin1"), Buffer.from([0])]);
  return Buffer.concat([gif.subarray(0, at), comment, gif.subarray(at)]);
}
