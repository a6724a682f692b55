import { isIP } from "node:net";
import { isPublicAddress } from "../../net/ssrf-guard.js";

/**
 * Whether the server may POST to this push endpoint. The endpoint comes from a browser, so it is
 * checked like any URL a client hands the server (server-side request forgery): https only, no
 * credentials in it, no IP literal or name of this machine or a private network. Real push
 * services (FCM, Mozilla autopush, Apple, Windows) all pass. `allowLocal` (PUSH_ALLOW_LOCAL_ENDPOINTS)
 * lifts the address rule and allows http, for tests and a push service on the same network;
 * `allowPrivate` (ALLOW_PRIVATE_NETWORK_FETCH) lifts only the address rule.
 *
 * Returns an error sentence, or null when the endpoint is acceptable. Host names that resolve to
 * private addresses are refused when sending (the SSRF guard resolves at connect time).
 */
export function checkPushEndpoint(endpoint: string, allowLocal: boolean, allowPrivate = allowLocal): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "endpoint must be a URL";
  }
  if (url.username || url.password) return "endpoint must not carry credentials";
  if (allowLocal) return url.protocol === "https:" || url.protocol === "http:" ? null : "endpoint must be an http(s) URL";
  if (url.protocol !== "https:") return "endpoint must be an https URL";
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal") || !host.includes(".") && !isIP(host)) {
    return "endpoint must be a public push service";
  }
  if (isIP(host) && !isPublicAddress(host)) return "endpoint must be a public push service";
  return null;
}
