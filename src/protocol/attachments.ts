import { z } from "zod";

/**
 * Files and images shared in rooms (issue 15).
 *
 * A file is uploaded first (`POST /room/:id/attachments`, multipart, one file per request), which
 * answers its record; a message then carries the ids (`attachments: [id, ...]` on the socket
 * `message` and on `POST /room/:id/messages`). The stored message lists the records (our field
 * `attachments`) and, for seed clients, ends its text with one line per file: its name and link
 * (see `attachmentFallback`). An upload not sent with a message within a day is removed.
 */

/** An attachment id: 128 random bits, URL-safe base64 (22 characters). */
export const ATTACHMENT_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
export const AttachmentId = z.string("attachment ids must be strings").regex(ATTACHMENT_ID_PATTERN, "must be an attachment id");

/** The most files one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** `attachments` of a send: distinct ids of files this user uploaded to this room and has not sent yet. */
export const MessageAttachmentIds = z
  .array(AttachmentId, "attachments must be a list of attachment ids")
  .max(MAX_ATTACHMENTS_PER_MESSAGE, `at most ${MAX_ATTACHMENTS_PER_MESSAGE} attachments per message`)
  .refine((ids) => new Set(ids).size === ids.length, "attachments must not repeat an id");

/**
 * A stored file as clients see it (the upload's 201 answer, and each item of a message's
 * `attachments`):
 * - `type`: the content type sniffed from the bytes (never the name nor what the client said);
 *   `application/octet-stream` when unknown (SVG, HTML and text are "unknown": served as downloads);
 * - `width`/`height`: of an image as displayed (EXIF orientation applied), for layout before loading;
 * - `thumbnail`: true when `GET /room/:id/attachments/:attachmentId/thumbnail` serves a WebP
 *   preview (at most THUMBNAIL_SIZE pixels on its longer side, metadata stripped). It is made just
 *   after the upload answers; until then that address serves a raster image itself, so a client
 *   may always show an image by it.
 */
export const Attachment = z.object({
  id: AttachmentId,
  name: z.string(),
  type: z.string(),
  size: z.number().int().min(0),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  thumbnail: z.boolean().optional(),
});
export type Attachment = z.infer<typeof Attachment>;

/**
 * `GET /attachments/limits`: the server's limits on uploads (ATTACHMENT_MAX_BYTES is set per
 * server), so a client refuses a file that is too large before sending a byte of it. The server
 * still checks every upload (413).
 */
export const AttachmentLimits = z.object({
  /** The largest file one upload may carry, in bytes. */
  maxBytes: z.number().int().positive(),
  maxPerMessage: z.number().int().positive(),
});
export type AttachmentLimits = z.infer<typeof AttachmentLimits>;

/** `1.5 MB`, `820 KB`, `12 bytes`: sizes for people (1 KB = 1024 bytes, as file managers count). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

/** Why a file over the limit is refused (the server's 413, and the client's own check before sending). */
export function fileTooLarge(maxBytes: number): string {
  return `The file is larger than ${formatBytes(maxBytes)}`;
}

/** Uploads one user may have in progress on one server instance; one more is refused (429). */
export const MAX_UPLOADS_IN_FLIGHT = 4;

/** The longer side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 480;

/** Content types a browser may show inline (raster images); everything else is served as a download. */
export const INLINE_IMAGE_TYPES: readonly string[] = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"];

/** `POST /room/:id/attachments` -> 201. */
export const UploadAnswer = Attachment;
export type UploadAnswer = Attachment;

export const AttachmentParams = z.object({
  id: z.string().min(1).max(64),
  attachmentId: AttachmentId,
});

/** Where a room's file is served (relative to the server's origin). */
export function attachmentPath(roomId: string, attachmentId: string): string {
  return `/room/${encodeURIComponent(roomId)}/attachments/${attachmentId}`;
}

export function thumbnailPath(roomId: string, attachmentId: string): string {
  return `${attachmentPath(roomId, attachmentId)}/thumbnail`;
}

/** One file's line in a stored message's text (seed clients show it): `📎 name <link>`. */
export function attachmentFallbackLine(roomId: string, attachment: Pick<Attachment, "id" | "name">): string {
  return `📎 ${attachment.name} ${attachmentPath(roomId, attachment.id)}`;
}

/**
 * The text stored for a message with files: the caption (may be empty), then one line per file
 * (`attachmentFallbackLine`). Clients that read `attachments` show `messageCaption` instead.
 */
export function attachmentFallback(caption: string, roomId: string, attachments: readonly Pick<Attachment, "id" | "name">[]): string {
  const lines = attachments.map((a) => attachmentFallbackLine(roomId, a)).join("\n");
  if (!lines) return caption;
  return caption === "" ? lines : `${caption}\n${lines}`;
}

/** The caption of a stored message: its text without the file lines the server appended. */
export function messageCaption(message: { message: string; roomId: string; attachments?: readonly Pick<Attachment, "id" | "name">[] }): string {
  if (!message.attachments?.length) return message.message;
  const lines = message.attachments.map((a) => attachmentFallbackLine(message.roomId, a)).join("\n");
  if (message.message === lines) return "";
  return message.message.endsWith(`\n${lines}`) ? message.message.slice(0, -lines.length - 1) : message.message;
}

/**
 * A file name as stored and shown: no path, no control or format characters (a name cannot forge
 * lines in the fallback text), at most 200 characters; `file` when nothing is left.
 */
export function cleanFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = [...base.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "").trim()].slice(0, 200).join("");
  return cleaned === "" || cleaned === "." || cleaned === ".." ? "file" : cleaned;
}

/** Why an upload was refused after it was read (422): its content, not its size or the asker. */
export const UPLOAD_REFUSED = {
  pixels: "The image has too many pixels to process",
  unreadable: "The image could not be read",
  infected: "The file did not pass the malware scan and was deleted",
} as const;

/** The upload's answer (503) when the malware scanner failed: the file is not kept; trying later may work. */
export const SCAN_UNAVAILABLE = "The file could not be scanned for malware right now; try again";
