import fastifyMultipart from "@fastify/multipart";
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  AttachmentLimits,
  AttachmentParams,
  ErrorBody,
  fileTooLarge,
  INLINE_IMAGE_TYPES,
  MAX_ATTACHMENTS_PER_MESSAGE,
  MAX_UPLOADS_IN_FLIGHT,
  RoomParams,
  SCAN_UNAVAILABLE,
  UploadAnswer,
  type Attachment,
} from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import type { ByteRange } from "../../domain/attachments/store/index.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";

const NOT_MEMBER = "You are not a member of this room";
const NO_FILE = "No such file in this room";

/** What every served file carries: never cached by shared caches, never sniffed, never a live document. */
const FILE_HEADERS = {
  "cache-control": "private, no-cache",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
  "cross-origin-resource-policy": "same-origin",
};

/**
 * The most a multipart envelope may add to its file's bytes within the parser's limits below: 11
 * parts, each with a boundary line and up to 16 KiB of part headers (busboy's own limit), and 10
 * fields of up to 1 KiB. A Content-Length past ATTACHMENT_MAX_BYTES plus this can only carry a file
 * over the limit.
 */
export const MULTIPART_ENVELOPE_MAX = 11 * (16 * 1024 + 80) + 10 * 1024;

const fileBody = (description: string) => ({
  description,
  content: { "application/octet-stream": { schema: z.string().describe("the file's bytes, with its sniffed Content-Type") } },
});

/**
 * Files (issue 15):
 * - `GET /attachments/limits`: the largest upload (ATTACHMENT_MAX_BYTES) and files per message.
 * - `POST /room/:id/attachments` (multipart/form-data, one file): 201 with its record. Membership
 *   is checked before the body is read; a Content-Length that can only carry a file over the limit
 *   is refused (413) before a byte of the body is read, and the connection closed; otherwise the
 *   file streams to the store (never whole in memory) through a counter: past ATTACHMENT_MAX_BYTES
 *   (chunked bodies, or a Content-Length within the envelope's allowance): 413 and nothing kept;
 *   refused for its content: 422; the malware scanner failed: 503 (nothing kept). An image's
 *   thumbnail is made after the answer (domain/attachments/thumbnails.ts).
 * - `GET /room/:id/attachments/:attachmentId[/thumbnail]`: membership on every request, the file
 *   only once a message sent it (its uploader sees it before), Range, `private, no-cache` with an
 *   ETag (so every reuse revalidates, and leaving the room ends access), raster images inline and
 *   everything else as a download, under a sandboxing CSP. A thumbnail not made yet is queued, and
 *   the request is answered with the image itself (a raster image the browser shows; no ETag, so
 *   the next request gets the thumbnail), or 404 for an image browsers do not show (HEIC).
 */
export function attachmentRoutes(ctx: ChatContext) {
  /** userId -> uploads in progress on this instance. */
  const inFlight = new Map<number, number>();
  const plugin: FastifyPluginAsyncZod = async (app) => {
    await app.register(fastifyMultipart, {
      // One byte past the limit reaches the upload's counter, which refuses it (413).
      limits: { fileSize: ctx.config.attachments.maxBytes + 1, files: 1, fields: 10, fieldSize: 1024, parts: 11, headerPairs: 50 },
      throwFileSizeLimit: false,
    });

    // The limits, for clients to check a file before sending it (the upload still checks).
    const limits: AttachmentLimits = { maxBytes: ctx.config.attachments.maxBytes, maxPerMessage: MAX_ATTACHMENTS_PER_MESSAGE };
    app.get("/attachments/limits", { schema: { response: { 200: AttachmentLimits } } }, async () => limits);

    app.post(
      "/room/:id/attachments",
      {
        schema: {
          params: RoomParams,
          consumes: ["multipart/form-data"],
          response: { 201: UploadAnswer, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody, 503: ErrorBody, "4xx": ErrorBody },
        },
      },
      async (request, reply) => {
        const user = currentUser(request);
        const roomId = request.params.id;
        if (!(await ctx.rooms.isMember(user.id, roomId))) throw new HttpError(403, NOT_MEMBER);
        if (!request.isMultipart()) throw new HttpError(415, "Send the file as multipart/form-data");
        const declared = Number(request.headers["content-length"]);
        if (declared > ctx.config.attachments.maxBytes + MULTIPART_ENVELOPE_MAX) {
          // Refused before the body is read; the connection closes with the answer, so the rest of
          // the body is never read either (a kept-alive connection would have to drain it).
          return reply.code(413).header("connection", "close").send({ message: fileTooLarge(ctx.config.attachments.maxBytes) });
        }
        const running = inFlight.get(user.id) ?? 0;
        if (running >= MAX_UPLOADS_IN_FLIGHT) {
          throw new HttpError(429, `At most ${MAX_UPLOADS_IN_FLIGHT} uploads at once; wait for one to finish`);
        }
        inFlight.set(user.id, running + 1);
        let outcome;
        let part;
        try {
          part = await request.file();
          if (!part) throw new HttpError(400, "The request holds no file");
          outcome = await ctx.attachments.upload(roomId, user.id, part.filename, part.file);
        } catch (err) {
          // A cancelled upload (the client went away): nothing was kept, no one to answer.
          if (request.raw.destroyed) {
            request.log.info({ roomId }, "upload cancelled by the client");
            return reply;
          }
          throw err;
        } finally {
          const left = (inFlight.get(user.id) ?? 1) - 1;
          if (left > 0) inFlight.set(user.id, left);
          else inFlight.delete(user.id);
        }
        if (outcome.status === "too-large") {
          part.file.resume(); // let the rest of the request drain, so the client reads the answer
          throw new HttpError(413, fileTooLarge(ctx.config.attachments.maxBytes));
        }
        if (outcome.status === "refused") throw new HttpError(422, outcome.reason);
        if (outcome.status === "scan-unavailable") throw new HttpError(503, SCAN_UNAVAILABLE);
        return reply.code(201).send(outcome.attachment);
      },
    );

    const serve = (variant: "file" | "thumbnail") => async (
      request: { params: { id: string; attachmentId: string }; headers: Record<string, string | string[] | undefined> } & Parameters<typeof currentUser>[0],
      reply: FastifyReply,
    ) => {
      const user = currentUser(request);
      const { id: roomId, attachmentId } = request.params;
      if (!(await ctx.rooms.isMember(user.id, roomId))) throw new HttpError(403, NOT_MEMBER);
      const found = await ctx.attachments.find(roomId, attachmentId);
      // Before a message sends it, a file is its uploader's alone.
      if (!found || (!found.sent && found.owner !== user.id)) throw new HttpError(404, NO_FILE);
      const { attachment } = found;
      if (variant === "thumbnail") return serveThumbnail(request, reply, attachment);
      const etag = `"${attachment.id}"`;
      reply.headers({ ...FILE_HEADERS, etag, "content-type": attachment.type, "content-disposition": disposition(attachment, attachment.type) });
      if (request.headers["if-none-match"] === etag) return reply.code(304).send();
      reply.header("accept-ranges", "bytes");
      const range = parseRange(request.headers.range, attachment.size);
      if (range === "unsatisfiable") {
        reply.header("content-range", `bytes */${attachment.size}`);
        throw new HttpError(416, "The requested range is not in the file");
      }
      const body = await ctx.attachments.read(roomId, attachmentId, range);
      if (!body) throw new HttpError(404, NO_FILE);
      if (range) {
        reply.code(206).header("content-range", `bytes ${range.start}-${range.end}/${attachment.size}`);
        reply.header("content-length", range.end - range.start + 1);
      } else {
        reply.header("content-length", attachment.size);
      }
      return reply.send(body);
    };

    /** A thumbnail (small: sent whole), or while it is not made yet the image itself (see above). */
    const serveThumbnail = async (
      request: { params: { id: string }; headers: Record<string, string | string[] | undefined> },
      reply: FastifyReply,
      attachment: Attachment,
    ) => {
      if (!attachment.thumbnail) throw new HttpError(404, "This file has no thumbnail");
      const etag = `"${attachment.id}-t"`;
      if (request.headers["if-none-match"] === etag) return reply.code(304).headers({ ...FILE_HEADERS, etag }).send();
      const thumbnail = await ctx.attachments.readThumbnail(request.params.id, attachment.id);
      if (thumbnail) {
        return reply.headers({ ...FILE_HEADERS, etag, "content-type": "image/webp", "content-disposition": disposition(attachment, "image/webp") }).send(thumbnail);
      }
      if (!INLINE_IMAGE_TYPES.includes(attachment.type)) {
        throw new HttpError(404, "The thumbnail is not made yet; try again shortly");
      }
      const original = await ctx.attachments.read(request.params.id, attachment.id);
      if (!original) throw new HttpError(404, NO_FILE);
      return reply
        .headers({ ...FILE_HEADERS, "content-type": attachment.type, "content-disposition": disposition(attachment, attachment.type), "content-length": attachment.size })
        .send(original);
    };

    const fileSchema = (what: string) => ({
      params: AttachmentParams,
      response: { 200: fileBody(what), 206: fileBody(`${what}: the requested byte range`), 416: ErrorBody, "4xx": ErrorBody },
    });
    app.get("/room/:id/attachments/:attachmentId", { schema: fileSchema("The file") }, serve("file"));
    app.get("/room/:id/attachments/:attachmentId/thumbnail", { schema: fileSchema("A WebP thumbnail of an image; until it is made, a raster image itself") }, serve("thumbnail"));
  };
  return plugin;
}

/** Raster images show in the page; anything else (SVG, HTML, PDF, unknown) only downloads. */
function disposition(attachment: Attachment, type: string): string {
  const kind = INLINE_IMAGE_TYPES.includes(type) ? "inline" : "attachment";
  const ascii = attachment.name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(attachment.name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * One `bytes=` range of a file of `size` bytes (`a-b`, `a-`, `-n`), inclusive. Several ranges, or a
 * header that is not a byte range, are ignored (the whole file is sent), as HTTP allows.
 */
export function parseRange(header: string | string[] | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  if (typeof header !== "string") return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}
