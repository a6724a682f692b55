import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { prepareImage } from "../../src/server/domain/attachments/images.js";

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
