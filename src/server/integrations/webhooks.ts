import { createHmac } from "node:crypto";
import { z } from "zod";
import { ChatMessage, MAX_MESSAGE_LENGTH, parsePrivateRoomId, type WebhookPayload } from "../../protocol/index.js";
import type { ChatContext } from "../context.js";
import { postMessage, type MessageSink, type StoredMessageListener } from "../domain/messages/post.js";
import type { BotWebhook } from "../domain/users/bot.js";
import type { Redis } from "../redis/connection.js";
import { keys } from "../redis/keys.js";
import { LuaScript } from "../redis/script.js";
import { BlockedAddressError, guardedFetch } from "../net/ssrf-guard.js";

/** The consumer group every instance reads the queue with: each entry goes to one of them. */
export const WEBHOOK_GROUP = "webhooks";
/** The queue keeps at most about this many entries (XADD MAXLEN ~). */
const QUEUE_MAX_LENGTH = 100_000;
/** A consumer (an instance's serverId) idle this long with nothing pending is removed from the group. */
const CONSUMER_FORGET_MS = 3_600_000;
/** A receiver's answer is read up to this size; a reply is at most one message long. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** How long an entry for a bot that has all its calls in flight waits before it is read again. */
const BUSY_BOT_DEFER_MS = 500;

/** One delivery to make, as queued (field `job` of a stream entry, JSON). */
const Job = z.object({
  botId: z.number().int(),
  event: z.enum(["mention", "private"]),
  sender: z.object({ id: z.number().int(), username: z.string() }),
  message: ChatMessage,
  attempt: z.number().int().min(1),
});
type Job = z.infer<typeof Job>;

/**
 * Moves due retries back onto the queue. KEYS: retry set, queue. ARGV: max entries. Each retry is
 * removed and re-queued in one step, so exactly one instance re-queues it.
 */
const PROMOTE_RETRIES = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ${QUEUE_MAX_LENGTH}, '*', 'job', job)
end
return #due
`);

/**
 * Finishes an entry that failed: acknowledges and deletes it, and (delay >= 0) schedules the next
 * attempt at Redis time + delay. KEYS: queue, retry set. ARGV: group, entry id, next job JSON,
 * delay ms (-1: give up). Returns the due time (Unix ms), or -1.
 */
const FINISH_FAILED = new LuaScript(`
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
local delay = tonumber(ARGV[4])
if delay < 0 then return -1 end
local t = redis.call('TIME')
local due = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + delay
redis.call('ZADD', KEYS[2], due, ARGV[3])
return due
`);

export interface WebhookResponse {
  status: number;
  contentType: string;
  body: string;
}

/**
 * POSTs a payload to a webhook, signed: `X-Chat-Timestamp` (Unix seconds) and `X-Chat-Signature:
 * sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` keyed by the bot's secret. Sent through the
 * SSRF guard (net/ssrf-guard.ts): private addresses refused after resolution, at connect time
 * (unless `allowPrivate`). No redirects are followed.
 *
 * Errors: BlockedAddressError (refused address), a timeout after `timeoutMs`, network errors.
 */
export async function sendWebhook(
  hook: { url: string; secret: string },
  body: string,
  options: { timeoutMs: number; allowPrivate: boolean; now?: number },
): Promise<WebhookResponse> {
  const timestamp = String(Math.floor((options.now ?? Date.now()) / 1000));
  const signature = createHmac("sha256", hook.secret).update(`${timestamp}.${body}`).digest("hex");
  const res = await guardedFetch(hook.url, {
    method: "POST",
    body,
    timeoutMs: options.timeoutMs,
    maxBytes: MAX_RESPONSE_BYTES,
    allowPrivate: options.allowPrivate,
    headers: {
      "content-type": "application/json",
      "user-agent": "redis-chat-webhooks/1",
      "x-chat-timestamp": timestamp,
      "x-chat-signature": `sha256=${signature}`,
    },
  });
  return { status: res.status, contentType: String(res.headers["content-type"] ?? ""), body: res.body.toString("utf8") };
}

/**
 * Outgoing webhooks: who is told about a stored message, and the senders that tell them.
 *
 * Enqueue: after a message is stored on this instance (any transport), if it is a private message
 * to a bot with a webhook, or @mentions such bots (its `mentions` field: members of the room the
 * text names, resolved by domain/messages/mentions.ts when it was stored), one entry per bot is
 * XADDed to `{webhooks}:queue`, asynchronously, after the sender's ack. Messages from bots never
 * trigger webhooks (no bot loops).
 *
 * Delivery: every instance reads the queue in the consumer group `webhooks` (consumer = its
 * serverId), so each entry is handled by one instance. An entry is acknowledged and deleted once
 * handled; a failure re-schedules it in `{webhooks}:retry` (exponential backoff from
 * WEBHOOK_RETRY_BASE_MS, up to WEBHOOK_MAX_ATTEMPTS) in the same step. Entries of an instance that
 * died while holding them are taken over with XAUTOCLAIM once idle for longer than a call can take.
 * A 2xx answer with a `text/plain` body is posted as the bot's reply in the message's room.
 */
export class Webhooks {
  private reader: Redis | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ctx: ChatContext,
    private readonly sink: MessageSink,
  ) {}

  /** Idle time after which another instance takes an entry over (a call cannot take that long). */
  private get claimIdleMs(): number {
    return this.ctx.config.webhookTimeoutMs * 2 + 2000;
  }

  /** The StoredMessageListener to register in ctx.messageListeners. Never throws, never awaits. */
  readonly onMessageStored: StoredMessageListener = (message, sender) => {
    const bots = this.ctx.bots;
    if (bots.isKnownBot(sender.id)) return;
    const targets: { botId: number; event: Job["event"] }[] = [];
    const pair = parsePrivateRoomId(message.roomId);
    if (pair) {
      const other = pair[0] === sender.id ? pair[1] : pair[0];
      if (bots.hasWebhook(other)) targets.push({ botId: other, event: "private" });
    } else {
      // `mentions`: members of the room the text @mentions, resolved when it was stored.
      for (const botId of message.mentions ?? []) if (bots.hasWebhook(botId)) targets.push({ botId, event: "mention" });
    }
    if (targets.length === 0) return;
    void this.enqueue(targets, message, sender).catch((err) =>
      this.ctx.log.warn({ err: String(err), messageId: message.id }, "could not queue a webhook"),
    );
  };

  private async enqueue(targets: { botId: number; event: Job["event"] }[], message: ChatMessage, sender: Job["sender"]): Promise<void> {
    for (const { botId, event } of targets) {
      const job: Job = { botId, event, sender, message, attempt: 1 };
      await this.ctx.redis.xAdd(keys.webhookQueue, "*", { job: JSON.stringify(job) }, {
        TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: QUEUE_MAX_LENGTH },
      });
    }
  }

  async start(): Promise<void> {
    const { redis } = this.ctx;
    try {
      await redis.xGroupCreate(keys.webhookQueue, WEBHOOK_GROUP, "0", { MKSTREAM: true });
    } catch (err) {
      if (!(err instanceof Error && err.message.includes("BUSYGROUP"))) throw err;
    }
    // Blocking reads need a connection of their own.
    this.reader = redis.duplicate() as Redis;
    this.reader.on("error", () => {});
    await this.reader.connect();
    this.running = true;
    this.loop = this.readLoop();
    const every = (ms: number, task: () => Promise<unknown>) => {
      const timer = setInterval(() => void task().catch(() => {}), ms);
      timer.unref();
      this.timers.push(timer);
    };
    const retryTick = Math.min(1000, Math.max(50, Math.floor(this.ctx.config.webhookRetryBaseMs / 4)));
    every(retryTick, () => PROMOTE_RETRIES.run(redis, [keys.webhookRetries, keys.webhookQueue], [100]));
    every(Math.max(500, Math.floor(this.claimIdleMs / 2)), () => this.claimAbandoned());
  }

  /** Stops reading, lets calls in flight finish (bounded by the webhook timeout), closes the reader. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    const inFlight = Promise.allSettled([...this.inFlight]);
    await Promise.race([inFlight, new Promise((r) => setTimeout(r, this.ctx.config.webhookTimeoutMs + 500).unref())]);
    this.reader?.destroy();
    await this.loop?.catch(() => {});
  }

  /**
   * Reads as many entries as there are free delivery slots (WEBHOOK_CONCURRENCY) and starts each
   * at once, without waiting for the others: one slow receiver holds only its own slots.
   */
  private async readLoop(): Promise<void> {
    const consumer = this.ctx.config.serverId;
    while (this.running) {
      try {
        const free = this.ctx.config.webhookConcurrency - this.inFlight.size;
        if (free <= 0) {
          await Promise.race(this.inFlight);
          continue;
        }
        const streams = (await this.reader!.xReadGroup(WEBHOOK_GROUP, consumer, { key: keys.webhookQueue, id: ">" }, { COUNT: free, BLOCK: 1000 })) as
          | { name: string; messages: { id: string; message: Record<string, string> }[] }[]
          | null;
        for (const entry of streams?.flatMap((stream) => stream.messages) ?? []) this.dispatch(entry.id, entry.message.job);
      } catch (err) {
        if (!this.running) return;
        this.ctx.log.debug({ err: String(err) }, "webhook queue read failed; retrying");
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private lastConsumerSweep = 0;

  private async claimAbandoned(): Promise<void> {
    await this.forgetGoneConsumers();
    const claimed = await this.ctx.redis.xAutoClaim(keys.webhookQueue, WEBHOOK_GROUP, this.ctx.config.serverId, this.claimIdleMs, "0-0", { COUNT: 10 });
    for (const entry of claimed.messages) {
      if (entry) this.dispatch(entry.id, (entry.message as Record<string, string>).job);
    }
  }

  /** Deliveries in flight per bot on this instance. */
  private readonly perBot = new Map<number, number>();

  /**
   * Starts one entry, unless its bot already has WEBHOOK_CONCURRENCY_PER_BOT calls in flight here:
   * then the entry goes back to the retry set for a moment (same attempt), so it neither waits in
   * memory (where another instance would claim it as abandoned) nor holds up other bots' entries.
   */
  private dispatch(entryId: string, raw: string | undefined): void {
    const parsed = raw === undefined ? undefined : Job.safeParse(safeJson(raw));
    if (!parsed?.success) {
      void this.finish(entryId, undefined, -1).catch(() => {});
      return;
    }
    const job = parsed.data;
    const busy = this.perBot.get(job.botId) ?? 0;
    if (busy >= this.ctx.config.webhookConcurrencyPerBot) {
      void this.finish(entryId, job, BUSY_BOT_DEFER_MS).catch((err) =>
        this.ctx.log.debug({ err: String(err), entryId }, "could not defer a webhook; it is claimed again later"),
      );
      return;
    }
    this.perBot.set(job.botId, busy + 1);
    void this.track(this.handle(entryId, job)).finally(() => {
      const left = (this.perBot.get(job.botId) ?? 1) - 1;
      if (left > 0) this.perBot.set(job.botId, left);
      else this.perBot.delete(job.botId);
    });
  }

  /**
   * Instances get a new consumer name (their serverId) at every start: remove consumers that hold
   * nothing and have not read for CONSUMER_FORGET_MS, so the group does not grow with every
   * restart. (One holding entries keeps them until XAUTOCLAIM takes them over.) At most once a minute.
   */
  private async forgetGoneConsumers(): Promise<void> {
    if (Date.now() - this.lastConsumerSweep < 60_000) return;
    this.lastConsumerSweep = Date.now();
    const { redis, config } = this.ctx;
    const consumers = await redis.xInfoConsumers(keys.webhookQueue, WEBHOOK_GROUP);
    for (const consumer of consumers) {
      const name = String(consumer.name);
      if (name !== config.serverId && Number(consumer.pending) === 0 && Number(consumer.idle) > CONSUMER_FORGET_MS) {
        await redis.xGroupDelConsumer(keys.webhookQueue, WEBHOOK_GROUP, name);
      }
    }
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /** One attempt of one entry; never rejects. */
  private async handle(entryId: string, job: Job): Promise<void> {
    const { ctx } = this;
    try {
      const [hook, banned] = await Promise.all([ctx.bots.webhook(job.botId), ctx.bans.isBanned(job.botId)]);
      if (!hook || banned) {
        // The bot was deleted, banned or its webhook removed meanwhile: nothing to do.
        await this.finish(entryId, undefined, -1);
        return;
      }
      await this.attempt(entryId, job, hook);
    } catch (err) {
      // Redis failed while handling: the entry stays pending and is claimed again later.
      ctx.log.warn({ err: String(err), entryId }, "webhook handling failed");
    }
  }

  private async attempt(entryId: string, job: Job, hook: BotWebhook): Promise<void> {
    const { ctx } = this;
    const payload: WebhookPayload = {
      event: job.event,
      bot: { id: hook.id, username: hook.username },
      sender: job.sender,
      message: job.message,
      attempt: job.attempt,
    };
    const started = performance.now();
    let failure: { error: string; permanent: boolean; refused?: boolean };
    try {
      const res = await sendWebhook(hook, JSON.stringify(payload), {
        timeoutMs: ctx.config.webhookTimeoutMs,
        allowPrivate: ctx.config.allowPrivateNetworkFetch,
      });
      ctx.metrics.webhookSeconds.observe((performance.now() - started) / 1000);
      if (res.status >= 200 && res.status < 300) {
        await ctx.redis.multi().xAck(keys.webhookQueue, WEBHOOK_GROUP, entryId).xDel(keys.webhookQueue, entryId).exec();
        ctx.metrics.webhooks.inc({ outcome: "delivered" });
        await ctx.bots.recordDelivery(hook.id, { ok: true });
        await this.reply(job, hook, res);
        return;
      }
      // A client error will not go away by asking again (except timeouts and rate limits).
      failure = { error: `HTTP ${res.status}`, permanent: res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429 };
    } catch (err) {
      const refused = err instanceof BlockedAddressError;
      failure = { error: err instanceof Error ? err.message : String(err), permanent: refused, refused };
    }
    const last = failure.permanent || job.attempt >= ctx.config.webhookMaxAttempts;
    const delay = last ? -1 : ctx.config.webhookRetryBaseMs * 2 ** (job.attempt - 1);
    const due = await this.finish(entryId, { ...job, attempt: job.attempt + 1 }, delay);
    ctx.metrics.webhooks.inc({ outcome: failure.refused ? "refused" : last ? "gave-up" : "failed" });
    await ctx.bots.recordDelivery(hook.id, { ok: false, error: failure.error, nextRetryAt: due >= 0 ? due : null });
    ctx.log.warn({ botId: hook.id, attempt: job.attempt, error: failure.error, nextRetryAt: due >= 0 ? due : null }, "webhook failed");
  }

  /** Ack + delete the entry, and schedule `next` after `delayMs` (-1: no retry). Returns the due time or -1. */
  private async finish(entryId: string, next: Job | undefined, delayMs: number): Promise<number> {
    const due = await FINISH_FAILED.run(this.ctx.redis, [keys.webhookQueue, keys.webhookRetries], [
      WEBHOOK_GROUP, entryId, next ? JSON.stringify(next) : "", next ? delayMs : -1,
    ]);
    return Number(due);
  }

  /** A plain-text answer becomes the bot's message in the room (once: its clientId is fixed per message). */
  private async reply(job: Job, hook: BotWebhook, res: WebhookResponse): Promise<void> {
    if (!/^text\/plain\b/i.test(res.contentType)) return;
    const text = res.body.trim().slice(0, MAX_MESSAGE_LENGTH);
    if (!text) return;
    await postMessage(this.ctx, this.sink, {
      sender: { id: hook.id, username: hook.username },
      roomId: job.message.roomId,
      text,
      clientId: `webhook-${job.message.id}`,
    });
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
