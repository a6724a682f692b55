import { createHash } from "node:crypto";
import { PushSubscriptionBody } from "../../../protocol/index.js";
import type { Redis } from "../../redis/connection.js";
import { keys } from "../../redis/keys.js";

/** A device's push subscription as stored: the endpoint and its RFC 8291 keys. */
export interface StoredPushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** The key that remembers which user an endpoint belongs to (an endpoint is one browser profile). */
const endpointOwnerKey = (endpoint: string) => keys.pushEndpointOwner(createHash("sha256").update(endpoint).digest("base64url"));

/**
 * Users' push subscriptions, one per device: `{user:ID}:push:subscriptions` (hash endpoint ->
 * JSON). An endpoint belongs to one user at a time (`push:endpoint:{sha256}` -> user id): when
 * someone else signs in on the same browser and subscribes, the previous user's entry goes, so
 * their notifications never show on a device they left.
 */
export class PushSubscriptions {
  constructor(private readonly redis: Redis) {}

  async add(userId: number, subscription: StoredPushSubscription): Promise<void> {
    const ownerKey = endpointOwnerKey(subscription.endpoint);
    const previous = await this.redis.set(ownerKey, String(userId), { GET: true });
    if (previous !== null && previous !== String(userId)) {
      await this.redis.hDel(keys.pushSubscriptions(previous), subscription.endpoint);
    }
    const stored: StoredPushSubscription = { endpoint: subscription.endpoint, keys: subscription.keys };
    await this.redis.hSet(keys.pushSubscriptions(userId), subscription.endpoint, JSON.stringify(stored));
  }

  /** Removes one device's subscription; true when it was there. */
  async remove(userId: number, endpoint: string): Promise<boolean> {
    const removed = await this.redis.hDel(keys.pushSubscriptions(userId), endpoint);
    const ownerKey = endpointOwnerKey(endpoint);
    if ((await this.redis.get(ownerKey)) === String(userId)) await this.redis.del(ownerKey);
    return removed > 0;
  }

  /** Every device of the user; entries that no longer parse are skipped. */
  async list(userId: number): Promise<StoredPushSubscription[]> {
    const raw = await this.redis.hGetAll(keys.pushSubscriptions(userId));
    const out: StoredPushSubscription[] = [];
    for (const json of Object.values(raw)) {
      try {
        const parsed = PushSubscriptionBody.safeParse(JSON.parse(json));
        if (parsed.success) out.push({ endpoint: parsed.data.endpoint, keys: parsed.data.keys });
      } catch {
        // not JSON: skip
      }
    }
    return out;
  }
}
