import { randomBytes } from "node:crypto";
import { Readable, Transform } from "node:stream";
import { buffer } from "node:stream/consumers";
import { pipeline } from "node:stream/promises";
import { fileTypeFromBuffer } from "file-type";
import {
  Attachment,
  attachmentFallbackLine,
  cleanFileName,
  INLINE_IMAGE_TYPES,
  UPLOAD_REFUSED,
  type ChatMessage,
} from "../../../protocol/index.js";
import type { AttachmentConfig } from "../../config.js";
import type { Logger } from "../../logger.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { LuaScript } from "../../redis/script.js";
import type { AuditLog } from "../moderation/audit-log.js";
import { IMAGE_TYPES, makeThumbnail, prepareImage } from "./images.js";
import type { Scanner } from "./scan.js";
import type { BlobStore, ByteRange } from "./store/index.js";
import { ThumbnailQueue } from "./thumbnails.js";
import { fileNameTerms } from "../search/text.js";

/** The content type of anything file-type does not recognise (text, SVG, HTML, unknown binaries). */
const UNKNOWN_TYPE = "application/octet-stream";
/** Bytes file-type looks at (its own reasonable detection size). */
const SNIFF_BYTES = 4100;

export type UploadOutcome =
  | { status: "stored"; attachment: Attachment }
  | { status: "too-large" }
  /** Read whole, then refused for its content (a message of UPLOAD_REFUSED); nothing is kept. */
  | { status: "refused"; reason: string }
  /** The malware scanner failed (fails closed): nothing is kept, a later try may pass. */
  | { status: "scan-unavailable" };

/** A stored file as the routes need it: its record, uploader and whether a message sent it. */
export interface FoundAttachment {
  attachment: Attachment;
  owner: number;
  sent: boolean;
}

/** An upload went past the size limit: the write stops and nothing is kept. */
class TooLarge extends Error {}

/** The malware scanner could not give a verdict. */
class ScanUnavailable extends Error {}

/**
 * KEYS: the file's hash, the room's set of files. ARGV: the file's id.
 * Removes an upload that no message sent (claimed ones are kept); 1 when removed or already gone.
 */
const REMOVE_UNSENT = new LuaScript(`
if redis.call('HEXISTS', KEYS[1], 'message') == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`);

/**
 * The content type of a stream from its first SNIFF_BYTES (file-type; read whole however the
 * network split them), and the stream again from its first byte.
 */
async function sniff(source: Readable): Promise<{ type: string; stream: Readable }> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < SNIFF_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    size += next.value.length;
  }
  const sample = Buffer.concat(head);
  const type = (await fileTypeFromBuffer(sample))?.mime ?? UNKNOWN_TYPE;
  async function* all() {
    yield sample;
    if (ended) return;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  return { type, stream: Readable.from(all(), { objectMode: false }) };
}

/** The store keys of a room's file and of its thumbnail. */
function blobKeys(roomId: string, id: string): { file: string; thumbnail: string } {
  const file = `rooms/${roomId}/${id}`;
  return { file, thumbnail: `${file}.thumb` };
}

/**
 * Files shared in rooms (issue 15). Bytes live in a BlobStore (local folder or S3), records in
 * Redis in the room's slot (`{room:ID}:attachment:AID`): an upload is stored, sniffed, scanned
 * and (images) measured and stripped of metadata before its record exists, so no one can send or
 * see a file that has not passed; an image's thumbnail is made after the upload answered, by the
 * process's ThumbnailQueue (until it exists, readThumbnail answers none and queues it);
 * the store script claims files when a message sends them (claim.ts); uploads not sent within
 * ATTACHMENT_UNSENT_TTL_MS are swept. Access rules (membership) are the routes' to check.
 */
export class Attachments {
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Thumbnails still to make, by `roomId/id`. */
  readonly thumbnails: ThumbnailQueue;

  constructor(
    private readonly redis: Redis,
    readonly store: BlobStore,
    private readonly config: AttachmentConfig,
    private readonly audit: AuditLog,
    private readonly log: Logger,
    private readonly scanner?: Scanner,
  ) {
    this.thumbnails = new ThumbnailQueue((key) => {
      const slash = key.lastIndexOf("/");
      return this.makeThumbnail(key.slice(0, slash), key.slice(slash + 1));
    }, log);
  }

  /**
   * Stores one uploaded file for `ownerId` in the room: streamed to the store through a byte
   * counter (more than ATTACHMENT_MAX_BYTES stops it: `too-large`, nothing kept), its type sniffed
   * from its first bytes, scanned when a scanner is set (before any decoder reads it), then images
   * are measured and stored again upright without metadata; their thumbnail is queued, made after
   * the answer.
   */
  async upload(roomId: string, ownerId: number, fileName: string, body: Readable): Promise<UploadOutcome> {
    const id = randomBytes(16).toString("base64url");
    const blobs = blobKeys(roomId, id);
    // Listed for the sweep before any byte is written: whatever a crash leaves behind is removed.
    await this.redis.zAdd(keys.unsentAttachments, { score: Date.now() + this.config.unsentTtlMs, value: `${roomId}/${id}` });
    const max = this.config.maxBytes;
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(size > max ? new TooLarge() : null, chunk);
      },
    });
    pipeline(body, counter).catch(() => {}); // its errors reach the store through `counter`
    let type = UNKNOWN_TYPE;
    try {
      const sniffed = await sniff(counter);
      type = sniffed.type;
      await this.store.put(blobs.file, sniffed.stream, type);
    } catch (err) {
      if (err instanceof TooLarge) return { status: "too-large" };
      throw err;
    }
    const attachment: Attachment = { id, name: cleanFileName(fileName), type, size };
    let refusal: string | undefined;
    try {
      refusal = (await this.scan(roomId, ownerId, attachment)) ?? (await this.prepareImage(roomId, attachment));
    } catch (err) {
      await this.store.delete([blobs.file, blobs.thumbnail]);
      if (err instanceof ScanUnavailable) return { status: "scan-unavailable" };
      throw err;
    }
    if (refusal) {
      await this.store.delete([blobs.file, blobs.thumbnail]);
      return { status: "refused", reason: refusal };
    }
    await Promise.all([
      this.redis.hSet(keys.attachment(roomId, id), {
        record: JSON.stringify(attachment),
        fallback: attachmentFallbackLine(roomId, attachment),
        // The name's search terms, for the store script to index with the message (claim.ts).
        terms: fileNameTerms(attachment.name).join("\n"),
        owner: String(ownerId),
        created: String(Date.now()),
      }),
      this.redis.sAdd(keys.roomAttachments(roomId), id),
    ]);
    if (attachment.thumbnail) this.thumbnails.add(`${roomId}/${id}`);
    return { status: "stored", attachment };
  }

  /**
   * An image is stored again as prepareImage makes it (upright, no metadata: `size` is the new
   * one's), with its width and height, and marked `thumbnail` (made later: makeThumbnail); a
   * refusal (UPLOAD_REFUSED) for a bomb or an unreadable picture.
   */
  private async prepareImage(roomId: string, attachment: Attachment): Promise<string | undefined> {
    if (!IMAGE_TYPES.has(attachment.type)) return undefined;
    const blobs = blobKeys(roomId, attachment.id);
    let uploaded = Buffer.alloc(0);
    const image = await prepareImage(async () => {
      const stream = await this.store.get(blobs.file);
      uploaded = stream ? await buffer(stream) : uploaded;
      return uploaded;
    }, this.config.maxPixels);
    if (image.status === "too-many-pixels") return UPLOAD_REFUSED.pixels;
    if (image.status === "unreadable") {
      // Shown inline, it must be a picture the decoder reads; anything else (HEIC without a
      // decoder) stays a download without preview.
      return INLINE_IMAGE_TYPES.includes(attachment.type) ? UPLOAD_REFUSED.unreadable : undefined;
    }
    // An image that had no metadata to cut is already stored as it is.
    if (!image.original.equals(uploaded)) await this.store.put(blobs.file, Readable.from([image.original]), attachment.type);
    Object.assign(attachment, { size: image.original.length, width: image.width, height: image.height, thumbnail: true });
    return undefined;
  }

  /**
   * Makes and stores the thumbnail of a stored image (ThumbnailQueue's work): true when made (or
   * the file is gone: nothing to do), false when it does not decode. Idempotent. A file removed
   * while its thumbnail was being made loses the thumbnail too.
   */
  private async makeThumbnail(roomId: string, id: string): Promise<boolean> {
    const blobs = blobKeys(roomId, id);
    const exists = () => this.redis.exists(keys.attachment(roomId, id));
    if (!(await exists())) return true;
    const thumbnail = await makeThumbnail(async () => {
      const stream = await this.store.get(blobs.file);
      return stream ? buffer(stream) : undefined;
    }, this.config.maxPixels);
    if (!thumbnail) {
      this.log.info({ roomId, id }, "an uploaded image did not decode: it has no thumbnail");
      return false;
    }
    await this.store.put(blobs.thumbnail, Readable.from([thumbnail]), "image/webp");
    if (!(await exists())) await this.store.delete([blobs.thumbnail]);
    return true;
  }

  /**
   * The scan verdict, on the bytes as uploaded: a refusal for a file that fails (audited, actor:
   * the uploader); ScanUnavailable when the scanner itself failed (logged; nothing is offered).
   */
  private async scan(roomId: string, ownerId: number, attachment: Attachment): Promise<string | undefined> {
    if (!this.scanner) return undefined;
    const stream = await this.store.get(blobKeys(roomId, attachment.id).file);
    if (!stream) throw new ScanUnavailable();
    const verdict = await this.scanner.scan(stream);
    if (verdict.status === "clean") return undefined;
    if (verdict.status === "error") {
      this.log.error({ roomId, ownerId, name: attachment.name, detail: verdict.detail }, "the malware scanner failed: the upload is refused");
      throw new ScanUnavailable();
    }
    this.log.warn({ roomId, ownerId, name: attachment.name, verdict }, "an uploaded file did not pass the malware scan");
    await this.audit.record({
      action: "attachment.refused",
      actorId: ownerId,
      roomId,
      detail: `${attachment.name}: ${verdict.detail}`.slice(0, 300),
    });
    return UPLOAD_REFUSED.infected;
  }

  /** A room's file, or undefined (never uploaded, swept, deleted). */
  async find(roomId: string, id: string): Promise<FoundAttachment | undefined> {
    const [record, owner, message] = await this.redis.hmGet(keys.attachment(roomId, id), ["record", "owner", "message"]);
    if (!record || !owner) return undefined;
    const attachment = Attachment.safeParse(JSON.parse(record));
    return attachment.success ? { attachment: attachment.data, owner: Number(owner), sent: Boolean(message) } : undefined;
  }

  /** The bytes of a room's file (or a range of them). */
  read(roomId: string, id: string, range?: ByteRange): Promise<Readable | undefined> {
    return this.store.get(blobKeys(roomId, id).file, range);
  }

  /**
   * The thumbnail of a room's image (one whose record says `thumbnail`), or undefined when it is
   * not made yet: it is then queued (again, if a restart or a full queue lost it).
   */
  async readThumbnail(roomId: string, id: string): Promise<Readable | undefined> {
    const stream = await this.store.get(blobKeys(roomId, id).thumbnail);
    if (!stream) this.thumbnails.add(`${roomId}/${id}`);
    return stream;
  }

  /** After a message was deleted: its files go with it (records, then bytes). */
  async deleteOf(message: ChatMessage): Promise<void> {
    const ids = message.attachments?.map((a) => a.id) ?? [];
    if (ids.length === 0) return;
    await this.remove(message.roomId, ids);
  }

  /**
   * Keeps a file that no message lists (a link preview's image) for as long as message `messageId`
   * lives: marked sent, so the sweep of unsent uploads leaves it; deleted with `deleteIds`.
   */
  async keepWith(roomId: string, id: string, messageId: string): Promise<void> {
    await this.redis.hSet(keys.attachment(roomId, id), "message", messageId);
  }

  /** Deletes files by id (link preview images, which their message does not list). */
  deleteIds(roomId: string, ids: string[]): Promise<void> {
    return this.remove(roomId, ids);
  }

  /** After a room was deleted: every file ever uploaded to it. */
  async deleteRoom(roomId: string): Promise<void> {
    const ids = await this.redis.sMembers(keys.roomAttachments(roomId));
    await this.remove(roomId, ids);
    await this.redis.del(keys.roomAttachments(roomId));
  }

  private async remove(roomId: string, ids: string[]): Promise<void> {
    for (let at = 0; at < ids.length; at += 500) {
      const slice = ids.slice(at, at + 500);
      await Promise.all([
        this.redis.del(slice.map((id) => keys.attachment(roomId, id))),
        this.redis.sRem(keys.roomAttachments(roomId), slice),
      ]);
      await this.store.delete(slice.flatMap((id) => Object.values(blobKeys(roomId, id))));
    }
  }

  /**
   * Removes uploads whose time to be sent has passed (at most `limit` per call); sent ones only
   * leave the list. Safe on several instances at once. Returns how many files were removed.
   */
  async sweep(now = Date.now(), limit = 200): Promise<number> {
    const due = await this.redis.zRangeByScore(keys.unsentAttachments, 0, now, { LIMIT: { offset: 0, count: limit } });
    let removed = 0;
    for (const entry of due) {
      const slash = entry.lastIndexOf("/");
      const roomId = entry.slice(0, slash);
      const id = entry.slice(slash + 1);
      const gone = await REMOVE_UNSENT.run(this.redis, [keys.attachment(roomId, id), keys.roomAttachments(roomId)], [id]);
      if (gone === 1) {
        await this.store.delete(Object.values(blobKeys(roomId, id)));
        removed++;
      }
      await this.redis.zRem(keys.unsentAttachments, entry);
    }
    return removed;
  }

  /** Sweeps every quarter of the unsent time (at most every 10 minutes) until stop(). */
  startSweeping(): void {
    const every = Math.min(this.config.unsentTtlMs / 4, 600_000);
    this.sweepTimer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.log.warn({ err }, "sweeping unsent attachments failed"));
    }, every);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.thumbnails.stop();
  }
}
