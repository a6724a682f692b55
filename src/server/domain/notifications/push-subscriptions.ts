import { createHash } from "node:crypto";
import { z } from "zod";
import { PushSubscriptionBody } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";
import { sessionHandle } from "../users/sessions-index.js";

/** A device's push subscription as stored: the endpoint, its RFC 8291 keys, and the session that registered it. */
export interface StoredPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The login session that registered it: the subscription lives as long as that session. */
  sessionId?: string;
}

const StoredSubscription = PushSubscriptionBody.extend({ sessionId: z.string().optional() });

/** The key that remembers which user an endpoint belongs to (an endpoint is one browser profile). */
const endpointOwnerKey = (endpoint: string) => keys.pushEndpointOwner(createHash("sha256").update(endpoint).digest("base64url"));

export type AddSubscriptionOutcome = "added" | "held-by-another-user";

/**
 * Users' push subscriptions, one per device: `{user:ID}:push:subscriptions` (hash endpoint ->
 * JSON `{endpoint, keys, sessionId}`). A subscription belongs to the session that registered it:
 * ending that session in any way removes it (`removeForSessions`, called from the sessions'
 * "ended" hook), and one whose session is gone is never sent to (`live`).
 *
 * An endpoint belongs to one user at a time (`push:endpoint:{sha256}` -> user id): registering an
 * endpoint another user holds through a live session is refused, never silently taken over; once
 * that session has ended (its subscription is then removed) the endpoint is free.
 */
export class PushSubscriptions {
  constructor(private readonly redis: Redis) {}

  async add(userId: number, sessionId: string, subscription: StoredPushSubscription): Promise<AddSubscriptionOutcome> {
    const ownerKey = endpointOwnerKey(subscription.endpoint);
    const owner = await this.redis.get(ownerKey);
    if (owner !== null && owner !== String(userId)) {
      const held = await this.find(owner, subscription.endpoint);
      if (held && (await this.live([held])).length > 0) return "held-by-another-user";
      await this.redis.hDel(keys.pushSubscriptions(owner), subscription.endpoint);
    }
    const stored: StoredPushSubscription = { endpoint: subscription.endpoint, keys: subscription.keys, sessionId };
    await Promise.all([
      this.redis.set(ownerKey, String(userId)),
      this.redis.hSet(keys.pushSubscriptions(userId), subscription.endpoint, JSON.stringify(stored)),
    ]);
    return "added";
  }

  /** Removes one device's subscription; true when it was there. */
  async remove(userId: number, endpoint: string): Promise<boolean> {
    const removed = await this.redis.hDel(keys.pushSubscriptions(userId), endpoint);
    const ownerKey = endpointOwnerKey(endpoint);
    if ((await this.redis.get(ownerKey)) === String(userId)) await this.redis.del(ownerKey);
    return removed > 0;
  }

  /**
   * Removes every subscription registered by one of these sessions (by handle, as `session.ended`
   * carries them): sign-out, a session ended from another device, sign out everywhere, a ban, a
   * password change. Returns how many were removed.
   */
  async removeForSessions(userId: number, handles: string[]): Promise<number> {
    const ending = new Set(handles);
    const gone = (await this.list(userId)).filter((s) => s.sessionId !== undefined && ending.has(sessionHandle(s.sessionId)));
    await Promise.all(gone.map((s) => this.remove(userId, s.endpoint)));
    return gone.length;
  }

  /** Every device of the user; entries that no longer parse are skipped. */
  async list(userId: number | string): Promise<StoredPushSubscription[]> {
    const raw = await this.redis.hGetAll(keys.pushSubscriptions(userId));
    return Object.values(raw).flatMap((json) => {
      const parsed = parse(json);
      return parsed ? [parsed] : [];
    });
  }

  /** The subscriptions whose session still exists (one EXISTS each, sent together). Ones stored before sessions were recorded are not live. */
  async live(subscriptions: StoredPushSubscription[]): Promise<StoredPushSubscription[]> {
    const exists = await Promise.all(subscriptions.map((s) => (s.sessionId ? this.redis.exists(keys.session(s.sessionId)) : 0)));
    return subscriptions.filter((_, i) => exists[i]! > 0);
  }

  private async find(userId: string, endpoint: string): Promise<StoredPushSubscription | undefined> {
    const json = await this.redis.hGet(keys.pushSubscriptions(userId), endpoint);
    return json ? parse(json) : undefined;
  }
}

function parse(json: string): StoredPushSubscription | undefined {
  try {
    const parsed = StoredSubscription.safeParse(JSON.parse(json));
    if (!parsed.success) return undefined;
    const { endpoint, keys: k, sessionId } = parsed.data;
    return { endpoint, keys: k, ...(sessionId ? { sessionId } : {}) };
  } catch {
    return undefined;
  }
}
