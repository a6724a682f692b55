import {
  messageUrl, NotificationLevel, truncateForNotification,
  type ChatMessage, type NotificationRoomKind, type PushPayload,
} from "../../../protocol/index.js";
import type { Logger } from "../../logger.js";
import { isRedisUnavailable, type Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import type { Rooms } from "../rooms.js";
import type { Users } from "../users.js";
import type { Bans } from "../users/bans.js";
import { findMessage } from "../messages/lookup.js";
import { NotificationLevels } from "./levels.js";
import { sendPush, topicForRoom } from "./push-sender.js";
import { PushSubscriptions } from "./push-subscriptions.js";
import { roomAudience, roomKindFromId, type RoomAudience } from "./room-audience.js";
import type { VapidKeys } from "./vapid.js";
import { isMadeRoomId } from "../../../protocol/index.js";

/** How long a push service keeps a notification for a device that is off: a day. */
const PUSH_TTL_SECONDS = 86_400;

export interface PushNotifierOptions {
  /** Messages waiting; when full the oldest is dropped (notifications are best effort, the message is stored). */
  queueSize: number;
  /** Messages processed at once (each sends to its recipients' devices). */
  concurrency: number;
  timeoutMs: number;
  /** The SSRF guard lets pushes reach private addresses (ALLOW_PRIVATE_NETWORK_FETCH, PUSH_ALLOW_LOCAL_ENDPOINTS). */
  allowPrivate: boolean;
  /** The place's default level for named rooms (issue 18: an administrator's setting, cached in memory). */
  namedRoomDefault?: () => NotificationLevel;
}

/** The ids a message mentions: the `mentions` field of ours when present (recorded when it was stored). */
export function mentionsOf(message: ChatMessage): number[] {
  const raw = (message as { mentions?: unknown }).mentions;
  return Array.isArray(raw) ? raw.filter((id): id is number => Number.isSafeInteger(id) && id > 0) : [];
}

/**
 * Whether a recipient at `level` gets a Web Push for a message. Push goes out only for mentions and
 * for conversation (private and group) messages, never for ordinary named-room traffic even at
 * level "all" (that would be a push per message per member of General); in-page notifications
 * honour "all" in named rooms.
 */
export function wantsPush(level: NotificationLevel, mentioned: boolean, conversation: boolean): boolean {
  if (level === "none") return false;
  if (mentioned) return true;
  return level === "all" && conversation;
}

/**
 * Web Push for stored messages, from the instance that stored them: `messageStored` is called once
 * per newly stored message (never for a duplicate), by the one instance whose store script
 * answered "stored", so each push goes out once however many instances run. It only enqueues:
 * the work (who is offline, levels, subscriptions, HTTP to push services) runs after the
 * acknowledgement, in a bounded in-memory queue.
 *
 * Why not a Redis stream with a consumer group: it would add a write per message to the hot path
 * for at-least-once delivery of something that is best effort anyway (a push lost to an instance
 * crash is a notification missed; the message itself is stored and shows on the next visit).
 */
export class PushNotifier {
  private readonly queue: ChatMessage[] = [];
  private running = 0;
  private dropped = 0;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly idleWaiters: (() => void)[] = [];
  readonly levels: NotificationLevels;
  readonly subscriptions: PushSubscriptions;

  constructor(
    private readonly redis: Redis,
    private readonly rooms: Rooms,
    private readonly users: Users,
    private readonly bans: Bans,
    private readonly vapid: VapidKeys,
    private readonly log: Logger,
    private readonly options: PushNotifierOptions,
  ) {
    this.levels = new NotificationLevels(redis, options.namedRoomDefault);
    this.subscriptions = new PushSubscriptions(redis);
  }

  /** The room's kind for level defaults: private from the id, group from the rooms module's member cache, else named. */
  async kindOf(roomId: string): Promise<NotificationRoomKind> {
    const kind = roomKindFromId(roomId);
    if (kind !== "named" || !isMadeRoomId(roomId)) return kind;
    return (await this.rooms.groupMembers(roomId)) ? "group" : "named";
  }

  get publicKey(): string {
    return this.vapid.publicKey;
  }

  /**
   * Queues a just-stored message for push; returns at once. A named-room message that mentions no
   * one can notify no one: it is dropped here, before the queue, at no cost.
   */
  messageStored(message: ChatMessage): void {
    if (this.closed) return;
    // (A room people made may be a group conversation, which notifies of everything: see process.)
    if (roomKindFromId(message.roomId) === "named" && mentionsOf(message).length === 0 && !isMadeRoomId(message.roomId)) return;
    if (this.queue.length >= this.options.queueSize) {
      this.queue.shift();
      if (this.dropped++ % 100 === 0) this.log.warn({ dropped: this.dropped }, "push queue full: dropping the oldest notifications");
    }
    this.queue.push(message);
    this.pump();
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops: queued pushes are dropped, requests in flight aborted. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.abort.abort();
    await this.idle();
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.queue.length > 0) {
      const message = this.queue.shift()!;
      this.running++;
      void this.process(message)
        .catch((err: unknown) => {
          // Redis down: every queued message fails the same way; the outage is logged elsewhere.
          if (isRedisUnavailable(err)) this.log.debug({ roomId: message.roomId }, "push skipped: Redis unavailable");
          else this.log.warn({ err, roomId: message.roomId }, "push notification failed");
        })
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    }
  }

  private async process(message: ChatMessage): Promise<void> {
    const named = roomAudience(this.redis, message.roomId);
    // A group conversation (issue 9) notifies its members like a private room (from the member cache).
    const group = named.kind === "named" ? await this.rooms.groupMembers(message.roomId) : null;
    const audience: RoomAudience = group ? { ...named, kind: "group", members: group } : named;
    const mentioned = new Set(mentionsOf(message));
    const candidates = new Set<number>([...(audience.members ?? []), ...mentioned]);
    candidates.delete(message.from);
    if (candidates.size === 0) return;
    const conversation = audience.kind !== "named";
    await Promise.all([...candidates].map((userId) => this.notify(userId, message, audience, mentioned.has(userId), conversation)));
  }

  /**
   * One recipient: offline everywhere, wanting it at their level, a member of the room, with
   * devices. The message may have waited in the queue: just before sending, what it depends on is
   * read again (one round of reads sent together): the message as stored now (deleted: nothing; a
   * mention edited out: no mention push; the text as edited), whether the recipient was banned or
   * removed from the room meanwhile, and which devices' sessions are still live (signed out: nothing).
   */
  private async notify(userId: number, queued: ChatMessage, audience: RoomAudience, wasMentioned: boolean, conversation: boolean): Promise<void> {
    const [connections, chosen, own, all] = await Promise.all([
      this.redis.exists(keys.userConnections(userId)),
      this.redis.hGet(keys.notificationLevels(userId), queued.roomId),
      this.redis.get(keys.notificationDefault(userId)),
      this.subscriptions.list(userId),
    ]);
    if (connections > 0 || all.length === 0) return;
    const parsed = NotificationLevel.safeParse(chosen);
    const level = parsed.success ? parsed.data : this.levels.defaultFor(audience.kind, own);
    if (!wantsPush(level, wasMentioned, conversation)) return;
    // Membership among the last checks (it may cost a Redis call): nothing of a room reaches someone who is not in it.
    const [found, banned, member, subscriptions] = await Promise.all([
      findMessage(this.redis, queued.roomId, queued.id),
      this.bans.isBanned(userId),
      this.rooms.isMember(userId, queued.roomId),
      this.subscriptions.live(all),
    ]);
    if (!found || banned || !member || subscriptions.length === 0) return;
    const message = found.message;
    const mentioned = mentionsOf(message).includes(userId);
    if (!wantsPush(level, mentioned, conversation)) return;

    const senderName = (await this.users.usernames([message.from])).get(message.from) ?? "Someone";
    const text = truncateForNotification(message.message);
    const payload: PushPayload = {
      title: (await audience.name()) ?? senderName,
      body: audience.kind === "private" ? text : `${senderName}: ${text}`,
      roomId: message.roomId,
      messageId: message.id,
      reason: mentioned ? "mention" : "conversation",
      // A click opens the message itself (the service worker also builds it from the ids).
      url: messageUrl(message.roomId, message.id),
    };
    const json = JSON.stringify(payload);
    await Promise.all(subscriptions.map(async (subscription) => {
      const outcome = await sendPush(subscription, json, this.vapid, {
        ttlSeconds: PUSH_TTL_SECONDS,
        topic: topicForRoom(message.roomId),
        urgency: mentioned || audience.kind === "private" ? "high" : "normal",
        timeoutMs: this.options.timeoutMs,
        signal: this.abort.signal,
        allowPrivate: this.options.allowPrivate,
      });
      if (outcome.status === "gone") {
        await this.subscriptions.remove(userId, subscription.endpoint);
        this.log.info({ userId, status: outcome.httpStatus }, "push subscription gone: removed");
      } else if (outcome.status === "failed" && !this.closed) {
        this.log.warn({ userId, reason: outcome.reason }, "push not delivered");
      }
    }));
  }
}
