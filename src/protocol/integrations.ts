import { z } from "zod";
import { UserId, Username } from "./ids.js";
import { ChatMessage, ClientId, MessageId, refineTextOrAttachments } from "./message.js";
import { MessageAttachmentIds } from "./attachments.js";

/**
 * Bots and outgoing webhooks (docs/integrations.md). A bot is a user with the role `bot` that acts
 * through an API token (`Authorization: Bearer <token>`), and may have a webhook URL that is called
 * when it is mentioned or sent a private message.
 */

/** http(s) URL of a bot's webhook; where it may point is checked by the server (no private networks). */
export const WebhookUrl = z
  .string("webhookUrl must be a string")
  .max(2000, "webhookUrl is too long")
  .url("webhookUrl must be a URL")
  .refine((url) => /^https?:\/\//i.test(url), "webhookUrl must be http:// or https://");

/** `POST /bots` */
export const CreateBotBody = z.object({ name: Username, webhookUrl: WebhookUrl.optional() });
/** `PATCH /bots/:id`: set (or with null, remove) the webhook URL. */
export const UpdateBotBody = z.object({ webhookUrl: WebhookUrl.nullable() });
export const BotParams = z.object({ id: UserId });

/** `POST /bots` 201: the token (and the webhook secret, when a URL was given) are shown only here. */
export const CreatedBot = z.object({
  id: z.number().int(),
  username: z.string(),
  token: z.string(),
  webhookSecret: z.string().optional(),
});
export type CreatedBot = z.infer<typeof CreatedBot>;

/** `POST /bots/:id/token` 200: a new token; the old one no longer works anywhere. */
export const BotToken = z.object({ id: z.number().int(), username: z.string(), token: z.string() });

/** Delivery state of a bot's webhook, for administrators. Times are Unix ms. */
export const WebhookStatus = z.object({
  url: z.string(),
  /** Last successful delivery. */
  lastDeliveredAt: z.number().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.number().nullable(),
  /** When the failing delivery is tried again; null when nothing is waiting. */
  nextRetryAt: z.number().nullable(),
  /** Failed attempts since the last success. */
  consecutiveFailures: z.number().int(),
});
export type WebhookStatus = z.infer<typeof WebhookStatus>;

/** `GET /bots` items and `PATCH /bots/:id` (never a token). */
export const BotSummary = z.object({
  id: z.number().int(),
  username: z.string(),
  createdAt: z.number(),
  webhook: WebhookStatus.nullable(),
  /** Only in the answer to a PATCH that gave the bot its first webhook URL. */
  webhookSecret: z.string().optional(),
});
export type BotSummary = z.infer<typeof BotSummary>;
export const BotList = z.array(BotSummary);

/** `POST /room/:id/messages` (bots and people alike); `attachments` as in the socket's SendMessage. */
export const PostMessageBody = z
  .object({
    message: z.string("message must be a string"),
    clientId: ClientId.optional(),
    replyTo: MessageId.optional(),
    attachments: MessageAttachmentIds.optional(),
  })
  .superRefine(refineTextOrAttachments);

/**
 * What a webhook receives (POST, JSON), signed: `X-Chat-Timestamp: <unix seconds>` and
 * `X-Chat-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed by the webhook secret>`.
 */
export const WebhookPayload = z.object({
  /** Why the bot is told: it was @mentioned, or sent a private message. */
  event: z.enum(["mention", "private"]),
  bot: z.object({ id: z.number().int(), username: z.string() }),
  sender: z.object({ id: z.number().int(), username: z.string() }),
  message: ChatMessage,
  /** 1 for the first try. */
  attempt: z.number().int(),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;
