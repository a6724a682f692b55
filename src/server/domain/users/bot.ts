import { createHash, randomBytes } from "node:crypto";
import type { BotSummary, SessionUser, WebhookStatus } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Users } from "../users.js";
import type { Roles } from "./role.js";

/** Tokens look like `rcb_<43 base64url chars>` (256 random bits): easy to spot in a leaked config. */
const TOKEN_PREFIX = "rcb_";
const TOKEN_PATTERN = /^rcb_[A-Za-z0-9_-]{43}$/;

/**
 * SHA-256 of a token, hex. Enough for random 256-bit tokens (no dictionary to try, unlike
 * passwords), and cheap enough to run on every request.
 */
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
const newToken = () => `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
const newWebhookSecret = () => randomBytes(32).toString("hex");

/** What the webhook sender needs to know about a bot. */
export interface BotWebhook {
  id: number;
  username: string;
  url: string;
  secret: string;
}

export type CreateBotOutcome =
  | { status: "created"; id: number; username: string; token: string; webhookSecret?: string }
  | { status: "name-taken" };

/**
 * Bots: users with the role `bot` (domain/users/role.ts) that act through an API token. A bot is a
 * seed user (`user:{id}` with an unguessable password, member of General) plus ours: `bots` (ids),
 * `bot:token:{sha256}` -> id, `{user:ID}:bot` (settings) and `{user:ID}:webhook` (delivery state).
 *
 * Tokens are looked up on every request (one GET), so a rotated or deleted token fails at once on
 * every instance. The bot directory (who is a bot, who has a webhook), read on the send path, is
 * cached per instance and reloaded at once on every instance when a bot is created, changed or
 * deleted (published on `bots:changed`), and whenever `bots:version` moves (checked every second:
 * a publish missed while the subscriber reconnected).
 */
export class Bots {
  private directory = new Map<number, { username: string; hasWebhook: boolean }>();
  private version: string | null | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly users: Users,
    private readonly roles: Roles,
  ) {}

  /** Creates the bot user (role `bot`, member of General) and its token; the token is returned once. */
  async create(name: string, webhookUrl: string | undefined, createdBy: number): Promise<CreateBotOutcome> {
    if ((await this.users.findByName(name)) !== undefined) return { status: "name-taken" };
    const user = await this.users.create(name, randomBytes(32).toString("base64url"));
    if ("taken" in user) return { status: "name-taken" };
    await this.roles.set(user.id, "bot");
    const token = newToken();
    const webhookSecret = webhookUrl ? newWebhookSecret() : undefined;
    await this.redis.hSet(keys.bot(user.id), {
      tokenHash: hashToken(token),
      createdAt: Date.now(),
      createdBy,
      ...(webhookUrl && webhookSecret ? { webhookUrl, webhookSecret } : {}),
    });
    await this.redis.set(keys.botToken(hashToken(token)), String(user.id));
    await this.redis.sAdd(keys.bots, String(user.id));
    await this.changed();
    return { status: "created", id: user.id, username: user.username, token, webhookSecret };
  }

  /** The bot a bearer token belongs to, or undefined (malformed, unknown, revoked). One GET. */
  async authenticate(token: string): Promise<SessionUser | undefined> {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    const ref = await this.redis.get(keys.botToken(hashToken(token)));
    const id = Number(ref);
    if (!ref || !Number.isSafeInteger(id)) return undefined;
    const username = (await this.users.usernames([id])).get(id);
    return username === undefined ? undefined : { id, username };
  }

  async isBot(id: number): Promise<boolean> {
    return (await this.redis.sIsMember(keys.bots, String(id))) === 1;
  }

  /** Issues a new token and revokes the old one (deleted before the new one is returned). */
  async rotateToken(id: number): Promise<{ id: number; username: string; token: string } | undefined> {
    const [oldHash] = await this.redis.hmGet(keys.bot(id), ["tokenHash"]);
    if (!oldHash || !(await this.isBot(id))) return undefined;
    const token = newToken();
    await this.redis.set(keys.botToken(hashToken(token)), String(id));
    await this.redis.hSet(keys.bot(id), "tokenHash", hashToken(token));
    await this.redis.del(keys.botToken(oldHash));
    const username = (await this.users.usernames([id])).get(id) ?? String(id);
    return { id, username, token };
  }

  /**
   * Sets or removes the webhook URL. A bot that had no secret gets one, returned here once.
   * Resolves undefined for an unknown bot.
   */
  async setWebhook(id: number, url: string | null): Promise<{ webhookSecret?: string } | undefined> {
    if (!(await this.isBot(id))) return undefined;
    if (url === null) {
      await this.redis.hDel(keys.bot(id), ["webhookUrl"]);
      await this.redis.del(keys.webhookStatus(id));
      await this.changed();
      return {};
    }
    const [secret] = await this.redis.hmGet(keys.bot(id), ["webhookSecret"]);
    const webhookSecret = secret ? undefined : newWebhookSecret();
    await this.redis.hSet(keys.bot(id), { webhookUrl: url, ...(webhookSecret ? { webhookSecret } : {}) });
    await this.changed();
    return { webhookSecret };
  }

  /**
   * Deletes the bot: its token stops working at once and its webhook is no longer called. The user
   * record stays (its messages keep their author) with its password removed, so nobody signs in as it.
   */
  async remove(id: number): Promise<boolean> {
    if (!(await this.isBot(id))) return false;
    const [tokenHash] = await this.redis.hmGet(keys.bot(id), ["tokenHash"]);
    if (tokenHash) await this.redis.del(keys.botToken(tokenHash));
    await this.redis.del([keys.bot(id), keys.webhookStatus(id)]);
    await this.redis.sRem(keys.bots, String(id));
    await this.redis.hSet(keys.user(id), "password", "!");
    await this.changed();
    return true;
  }

  /** Every bot, for administrators: names, webhook state, never a token. */
  async list(): Promise<BotSummary[]> {
    const ids = (await this.redis.sMembers(keys.bots)).map(Number).sort((a, b) => a - b);
    const names = await this.users.usernames(ids);
    return Promise.all(
      ids.map(async (id) => {
        const [settings, status] = await Promise.all([this.redis.hGetAll(keys.bot(id)), this.redis.hGetAll(keys.webhookStatus(id))]);
        return { id, username: names.get(id) ?? String(id), createdAt: Number(settings.createdAt ?? 0), webhook: webhookStatus(settings.webhookUrl, status) };
      }),
    );
  }

  async summary(id: number): Promise<BotSummary | undefined> {
    return (await this.list()).find((bot) => bot.id === id);
  }

  /** Current URL and secret of a bot's webhook (read at send time, so changes apply at once). */
  async webhook(id: number): Promise<BotWebhook | undefined> {
    const [settings, names] = await Promise.all([this.redis.hGetAll(keys.bot(id)), this.users.usernames([id])]);
    const username = names.get(id);
    if (!settings.webhookUrl || !settings.webhookSecret || username === undefined) return undefined;
    return { id, username, url: settings.webhookUrl, secret: settings.webhookSecret };
  }

  /** Records the outcome of a webhook attempt for `GET /bots`. Times in Unix ms. */
  async recordDelivery(id: number, outcome: { ok: true } | { ok: false; error: string; nextRetryAt: number | null }): Promise<void> {
    const key = keys.webhookStatus(id);
    if (outcome.ok) {
      // Delivered: the failure shown before is over. (MULTI: a reader never sees half of an outcome.)
      await this.redis.multi()
        .hSet(key, { lastDeliveredAt: Date.now(), consecutiveFailures: 0, nextRetryAt: "" })
        .hDel(key, ["lastError", "lastErrorAt"])
        .exec();
    } else {
      await this.redis.multi()
        .hSet(key, { lastError: outcome.error.slice(0, 300), lastErrorAt: Date.now(), nextRetryAt: outcome.nextRetryAt ?? "" })
        .hIncrBy(key, "consecutiveFailures", 1)
        .exec();
    }
  }

  // --- the per-instance directory, for the send path ---

  /** Starts reloading the directory on every `bots:changed`, and whenever `bots:version` moves (polled every `everyMs`). */
  async watch(subscriber: { subscribe(channel: string, listener: (message: string) => void): Promise<unknown> }, everyMs = 1000): Promise<void> {
    await subscriber.subscribe(keys.botsChangedChannel, () => void this.refresh().catch(() => {}));
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => {}), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** From the cached directory: is this user a bot (bots do not trigger webhooks: no loops). */
  isKnownBot(id: number): boolean {
    return this.directory.has(id);
  }

  hasWebhook(id: number): boolean {
    return this.directory.get(id)?.hasWebhook ?? false;
  }

  private async changed(): Promise<void> {
    const version = await this.redis.incr(keys.botsVersion);
    await Promise.all([this.refresh(), this.redis.publish(keys.botsChangedChannel, String(version))]);
  }

  private refreshing: Promise<void> = Promise.resolve();

  /** Reloads the directory when the version moved; one reload at a time, so an older read never lands last. */
  private refresh(): Promise<void> {
    this.refreshing = this.refreshing.catch(() => {}).then(() => this.reload());
    return this.refreshing;
  }

  private async reload(): Promise<void> {
    const version = await this.redis.get(keys.botsVersion);
    if (version === this.version) return;
    const ids = (await this.redis.sMembers(keys.bots)).map(Number);
    const [names, urls] = await Promise.all([
      this.users.usernames(ids),
      Promise.all(ids.map((id) => this.redis.hGet(keys.bot(id), "webhookUrl"))),
    ]);
    const directory = new Map<number, { username: string; hasWebhook: boolean }>();
    ids.forEach((id, i) => {
      const username = names.get(id);
      if (username === undefined) return;
      directory.set(id, { username, hasWebhook: Boolean(urls[i]) });
    });
    this.directory = directory;
    this.version = version;
  }
}

function webhookStatus(url: string | undefined, status: Record<string, string>): WebhookStatus | null {
  if (!url) return null;
  const time = (v: string | undefined) => (v ? Number(v) : null);
  return {
    url,
    lastDeliveredAt: time(status.lastDeliveredAt),
    lastError: status.lastError || null,
    lastErrorAt: time(status.lastErrorAt),
    nextRetryAt: time(status.nextRetryAt),
    consecutiveFailures: Number(status.consecutiveFailures ?? 0),
  };
}
