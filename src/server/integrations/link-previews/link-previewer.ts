import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { z } from "zod";
import { INLINE_IMAGE_TYPES, previewableLinks, type ChatMessage, type LinkPreview, type LinkPreviewImage } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import type { StoredMessageListener } from "../../domain/messages/post.js";
import { MessagePreviews } from "../../domain/messages/previews.js";
import { keys } from "../../redis/keys.js";
import { BlockedAddressError, guardedFetch, type GuardedFetchOptions, type GuardedResponse } from "../../net/ssrf-guard.js";
import { scrapeMetadata, type PageMetadata } from "./scrape.js";

/** A page's metadata is kept this long; a page that could not be previewed, a shorter while. */
const CACHE_SECONDS = 86_400;
const FAILURE_CACHE_SECONDS = 3_600;
/** Messages waiting for their previews on this instance; past it the oldest waits no more (best effort). */
const QUEUE_SIZE = 1000;
/** Messages worked on at once (each fetches its links one after the other). */
const CONCURRENCY = 4;
const MAX_REDIRECTS = 5;
/** The preview image is read up to this size, and skipped past it. */
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const USER_AGENT = "redis-chat-link-preview/1";

const Cached = z.union([
  z.object({ failed: z.literal(true) }),
  z.object({ title: z.string().optional(), description: z.string().optional(), site: z.string().optional(), imageUrl: z.string().optional() }),
]);

export interface LinkPreviewOptions {
  enabled: boolean;
  timeoutMs: number;
  maxBytes: number;
  allowPrivate: boolean;
}

/**
 * Link previews, after a message is stored: a StoredMessageListener (so never in the send path)
 * puts the message in a bounded in-memory queue of the instance that stored it; workers fetch its
 * first MAX_LINK_PREVIEWS links through the SSRF guard (net/ssrf-guard.ts), read their metadata
 * (scrape.ts), fetch the preview image and store it as a file of the room (domain/attachments:
 * sniffed, measured and thumbnailed like an upload; clients never load it from the site), and save the previews with
 * one script on the room's slot that also logs and publishes `previews.updated` (every instance
 * delivers it to its sockets through the bridge). Page metadata is cached in Redis by URL
 * (`link-preview:{sha256}`), so a link posted again is not fetched again for a day.
 *
 * Why not a Redis stream like webhooks: a preview is best effort (a message whose instance died
 * before its preview arrived just has none), and a queue write per message with a link would add
 * a round trip to every such send.
 */
export class LinkPreviewer {
  private readonly queue: ChatMessage[] = [];
  private running = 0;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly previews: MessagePreviews;
  /** Publication id: not this instance's, so the bridge of every instance, this one too, delivers the change. */
  private readonly publisher: string;

  constructor(
    private readonly ctx: ChatContext,
    private readonly options: LinkPreviewOptions,
  ) {
    this.previews = new MessagePreviews(ctx.redis);
    this.publisher = `${ctx.config.serverId}/previews`;
  }

  /** The StoredMessageListener to register in ctx.messageListeners. Never throws, never awaits. */
  readonly onMessageStored: StoredMessageListener = (message) => {
    if (!this.options.enabled || this.closed) return;
    if (previewableLinks(message.message).length === 0) return;
    if (this.queue.length >= QUEUE_SIZE) this.queue.shift();
    this.queue.push(message);
    this.pump();
  };

  /** Resolves when nothing is queued or being fetched (tests, shutdown). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Takes no more messages; waits for those being fetched (each bounded by the timeout per link). */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    await this.idle();
  }

  private pump(): void {
    while (this.running < CONCURRENCY && this.queue.length > 0) {
      const message = this.queue.shift()!;
      this.running++;
      void this.preview(message)
        .catch((err) => this.ctx.log.warn({ err: String(err), messageId: message.id }, "link preview failed"))
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }

  private async preview(message: ChatMessage): Promise<void> {
    const found: LinkPreview[] = [];
    for (const url of previewableLinks(message.message)) {
      if (this.closed) return;
      const metadata = await this.metadata(url);
      if (!metadata || (!metadata.title && !metadata.description)) continue;
      const preview: LinkPreview = { url, ...pick(metadata) };
      const image = metadata.imageUrl ? await this.image(message, metadata.imageUrl) : undefined;
      if (image) preview.image = image;
      found.push(preview);
    }
    const images = found.flatMap((p) => (p.image ? [p.image.id] : []));
    const saved = found.length > 0 && (await this.previews.add(message.roomId, message.id, found, this.publisher)).status === "changed";
    // Removed by the author, or the message deleted, meanwhile: its images are not needed.
    if (!saved && images.length > 0) await this.ctx.attachments.deleteIds(message.roomId, images);
  }

  /** A message was deleted: its previews and their images go with it (a MessageActions deletedListener). */
  readonly messageDeleted = async (message: ChatMessage): Promise<void> => {
    try {
      const previews = await this.previews.dropOf(message.roomId, message.id);
      const images = previews.flatMap((p) => (p.image ? [p.image.id] : []));
      if (images.length > 0) await this.ctx.attachments.deleteIds(message.roomId, images);
    } catch (err) {
      this.ctx.log.warn({ err: String(err), messageId: message.id }, "could not delete a message's link previews");
    }
  };

  /** The page's metadata, from the cache or fetched (and cached, failures too); undefined when there is none. */
  private async metadata(url: string): Promise<PageMetadata | undefined> {
    const { redis } = this.ctx;
    const key = keys.linkPreviewCache(createHash("sha256").update(url).digest("hex"));
    const cached = Cached.safeParse(safeJson(await redis.get(key)));
    if (cached.success) return "failed" in cached.data ? undefined : cached.data;
    let metadata: PageMetadata | undefined;
    try {
      const page = await this.fetch(url, "text/html,application/xhtml+xml;q=0.9", this.options.maxBytes);
      // A page cut at maxBytes still has its head, which is what counts.
      if (/^(text\/html|application\/xhtml\+xml)\b/i.test(String(page.headers["content-type"] ?? ""))) {
        metadata = await scrapeMetadata(page.body.toString("utf8"), page.url);
      }
    } catch (err) {
      this.ctx.log.debug({ url, err: err instanceof Error ? err.message : String(err) }, "no link preview");
    }
    const value = metadata && (metadata.title || metadata.description) ? metadata : undefined;
    await redis.set(key, JSON.stringify(value ?? { failed: true }), { EX: value ? CACHE_SECONDS : FAILURE_CACHE_SECONDS });
    return value;
  }

  /**
   * Fetches the image through the guard and stores it as a file of the room, kept with the message
   * (Attachments.keepWith); undefined when it cannot (too large, not a raster image, refused).
   */
  private async image(message: ChatMessage, imageUrl: string): Promise<LinkPreviewImage | undefined> {
    const { attachments } = this.ctx;
    try {
      const fetched = await this.fetch(imageUrl, "image/avif,image/webp,image/png,image/jpeg,image/gif", MAX_IMAGE_BYTES);
      if (fetched.truncated) return undefined; // a cut image is no image
      const name = new URL(fetched.url).pathname.split("/").pop() || "preview";
      const stored = await attachments.upload(message.roomId, message.from, name, Readable.from([fetched.body]));
      if (stored.status !== "stored") return undefined;
      const { id, type, width, height, thumbnail } = stored.attachment;
      if (!INLINE_IMAGE_TYPES.includes(type) || !thumbnail) {
        await attachments.deleteIds(message.roomId, [id]);
        return undefined;
      }
      await attachments.keepWith(message.roomId, id, message.id);
      return { id, ...(width ? { width } : {}), ...(height ? { height } : {}) };
    } catch (err) {
      if (!(err instanceof BlockedAddressError)) this.ctx.log.debug({ err: String(err), imageUrl }, "no preview image");
      return undefined;
    }
  }

  /** A GET through the SSRF guard, redirects followed (each checked again); refuses an answer that is not 2xx. */
  private async fetch(url: string, accept: string, maxBytes: number): Promise<GuardedResponse> {
    const options: GuardedFetchOptions = {
      headers: { accept, "user-agent": USER_AGENT, "accept-encoding": "identity" },
      timeoutMs: this.options.timeoutMs,
      maxBytes,
      maxRedirects: MAX_REDIRECTS,
      allowPrivate: this.options.allowPrivate,
    };
    const response = await guardedFetch(url, options);
    if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status}`);
    return response;
  }
}

function pick(metadata: PageMetadata): Omit<LinkPreview, "url"> {
  const { imageUrl: _imageUrl, ...texts } = metadata;
  return texts;
}

function safeJson(raw: string | null): unknown {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
