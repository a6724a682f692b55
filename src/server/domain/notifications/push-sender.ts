import { createHash } from "node:crypto";
import webpush from "web-push";
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
}

/**
 * Sends one Web Push message. `web-push` encrypts the payload for the device (RFC 8291,
 * aes128gcm) and signs the request (VAPID, RFC 8292) via `generateRequestDetails`; the request
 * itself goes out with `fetch`, which gives one timeout and abort signal, never follows redirects
 * (the endpoint was checked, where it redirects to was not), and also speaks plain http to a
 * local stand-in push service in tests.
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
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await fetch(details.endpoint, {
      method: "POST",
      // fetch sets Content-Length itself, from the body.
      headers: Object.fromEntries(Object.entries(details.headers).filter(([k]) => k.toLowerCase() !== "content-length").map(([k, v]) => [k, String(v)])),
      body: details.body ? new Uint8Array(details.body) : undefined,
      redirect: "manual",
      signal: AbortSignal.any(signals),
    });
    await response.body?.cancel().catch(() => {});
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
