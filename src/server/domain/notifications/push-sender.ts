import { createHash } from "node:crypto";
import webpush from "web-push";
import { guardedFetch } from "../../net/ssrf-guard.js";
import type { StoredPushSubscription } from "./push-subscriptions.js";
import type { VapidKeys } from "./vapid.js";

/** What a push service answered: delivered (2xx), gone (404/410: the subscription is dead), or failed. */
export type PushOutcome = { status: "sent" } | { status: "gone"; httpStatus: number } | { status: "failed"; reason: string };

export interface PushSendOptions {
  /** Seconds the push service keeps the message for an offline device. */
  ttlSeconds: number;
  /** Pushes with the same topic replace each other while undelivered (one per room). */
  topic?: string;
  urgency?: "very-low" | "low" | "normal" | "high";
  timeoutMs: number;
  signal?: AbortSignal;
  /** ALLOW_PRIVATE_NETWORK_FETCH (or PUSH_ALLOW_LOCAL_ENDPOINTS): the endpoint may resolve to a private address. */
  allowPrivate: boolean;
}

/**
 * Sends one Web Push message. `web-push` encrypts the payload for the device (RFC 8291,
 * aes128gcm) and signs the request (VAPID, RFC 8292) via `generateRequestDetails`; the request
 * itself goes out through the SSRF guard (net/ssrf-guard.ts): the endpoint's host is resolved at
 * send time and only a public address is connected to (a name that resolves to loopback or a
 * private network is refused), one timeout, no redirects followed.
 */
export async function sendPush(
  subscription: StoredPushSubscription,
  payload: string,
  vapid: VapidKeys,
  options: PushSendOptions,
): Promise<PushOutcome> {
  let details: webpush.RequestDetails;
  try {
    details = webpush.generateRequestDetails(subscription, payload, {
      vapidDetails: vapid,
      TTL: options.ttlSeconds,
      contentEncoding: "aes128gcm",
      urgency: options.urgency ?? "normal",
      ...(options.topic ? { topic: options.topic } : {}),
    });
  } catch (err) {
    // A subscription whose keys are not a P-256 point / 16-byte secret can never be sent to.
    void err;
    return { status: "gone", httpStatus: 0 };
  }
  try {
    const response = await guardedFetch(details.endpoint, {
      method: "POST",
      // The guard sets Content-Length itself, from the body.
      headers: Object.fromEntries(Object.entries(details.headers).filter(([k]) => k.toLowerCase() !== "content-length").map(([k, v]) => [k, String(v)])),
      body: details.body ? new Uint8Array(details.body) : undefined,
      timeoutMs: options.timeoutMs,
      maxBytes: 4096,
      allowPrivate: options.allowPrivate,
      signal: options.signal,
    });
    if (response.status === 404 || response.status === 410) return { status: "gone", httpStatus: response.status };
    if (response.status >= 200 && response.status < 300) return { status: "sent" };
    return { status: "failed", reason: `push service answered ${response.status}` };
  } catch (err) {
    return { status: "failed", reason: err instanceof Error ? err.message : String(err) };
  }
}

/** A Topic header value (at most 32 URL-safe base64 characters, RFC 8030) for a room. */
export function topicForRoom(roomId: string): string {
  return createHash("sha256").update(`room:${roomId}`).digest("base64url").slice(0, 32);
}
