/**
 * The size an image is shown at in a message, known before it loads (from the record's width and
 * height): no layout jump. Scaled down, never up, to fit `box`, keeping its aspect ratio.
 */
export function fitImage(width: number | undefined, height: number | undefined, box: { width: number; height: number }): { width: number; height: number } {
  if (!width || !height) return { width: box.width, height: Math.round(box.width * 0.75) };
  const scale = Math.min(1, box.width / width, box.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The box one image may fill: larger when it is the message's only image. */
export function imageBox(count: number): { width: number; height: number } {
  return count === 1 ? { width: 360, height: 320 } : { width: 200, height: 200 };
}
