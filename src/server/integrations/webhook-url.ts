import { assertPublicUrl, BlockedAddressError } from "../net/ssrf-guard.js";

export class WebhookUrlError extends Error {}

/**
 * Refuses a webhook URL that is not http(s), carries credentials, or whose host is, or resolves
 * to, an address that is not public (net/ssrf-guard.ts; every address DNS gives must be public).
 * Throws WebhookUrlError with a sentence for the client. With `allowPrivate` the address rule is
 * lifted. Sending checks again at connect time (guardedFetch).
 */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError("webhookUrl must be a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new WebhookUrlError("webhookUrl must be http:// or https://");
  if (url.username || url.password) throw new WebhookUrlError("webhookUrl must not carry credentials");
  try {
    await assertPublicUrl(url, { allowPrivate });
  } catch (err) {
    if (!(err instanceof BlockedAddressError)) throw err;
    throw new WebhookUrlError(/does not resolve/.test(err.message)
      ? `webhookUrl host ${url.hostname} does not resolve`
      : "webhookUrl points at a loopback, link-local or private network address");
  }
}
