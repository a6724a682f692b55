import { isIP } from "node:net";

/**
 * Whether the server may POST to this push endpoint. The endpoint comes from a browser, so it is
 * checked like any URL a client hands the server (server-side request forgery): https only, no
 * credentials in it, no IP literal or name of this machine or a private network. Real push
 * services (FCM, Mozilla autopush, Apple, Windows) all pass. `allowLocal` (PUSH_ALLOW_LOCAL_ENDPOINTS)
 * lifts the address rule and allows http, for tests and a push service on the same network.
 *
 * Returns an error sentence, or null when the endpoint is acceptable. Host names that resolve to
 * private addresses are not caught here (no DNS lookup); redirects are never followed when sending.
 */
export function checkPushEndpoint(endpoint: string, allowLocal: boolean): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "endpoint must be a URL";
  }
  if (url.username || url.password) return "endpoint must not carry credentials";
  if (allowLocal) return url.protocol === "https:" || url.protocol === "http:" ? null : "endpoint must be an http(s) URL";
  if (url.protocol !== "https:") return "endpoint must be an https URL";
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal") || !host.includes(".") && !isIP(host)) {
    return "endpoint must be a public push service";
  }
  if (isIP(host) && isPrivateAddress(host)) return "endpoint must be a public push service";
  return null;
}

function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split(".").map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const v6 = ip.toLowerCase();
  if (v6.startsWith("::ffff:")) return isIP(v6.slice(7)) === 4 ? isPrivateAddress(v6.slice(7)) : true;
  return v6 === "::" || v6 === "::1" || v6.startsWith("fc") || v6.startsWith("fd") || v6.startsWith("fe8") ||
    v6.startsWith("fe9") || v6.startsWith("fea") || v6.startsWith("feb") || v6.startsWith("ff");
}
