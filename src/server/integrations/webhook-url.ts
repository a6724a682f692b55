import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * Where webhooks may not go (SSRF): loopback, link-local (cloud metadata at 169.254.169.254),
 * private and shared address space, and other addresses that are not the public internet.
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16],
  ["172.16.0.0", 12], ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15],
  ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) PRIVATE.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["64:ff9b::", 96], ["2001:db8::", 32],
] as const) PRIVATE.addSubnet(net, prefix, "ipv6");

/** True for an address a webhook must not reach (IPv4-mapped IPv6 is judged by its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPrivateAddress(mapped[1]!);
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? "ipv4" : "ipv6");
}

export class WebhookUrlError extends Error {}

/** The host of a URL without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/**
 * Refuses a webhook URL that is not http(s) or whose host is, or resolves to, a private address
 * (every address DNS gives must be public). Throws WebhookUrlError with a sentence for the client.
 * With `allowPrivate` only the scheme is checked.
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
  if (allowPrivate) return;
  const host = hostOf(url);
  const addresses = isIP(host) ? [host] : await resolveAll(host);
  if (addresses.some(isPrivateAddress)) {
    throw new WebhookUrlError("webhookUrl points at a loopback, link-local or private network address");
  }
}

function resolveAll(host: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses: LookupAddress[]) =>
      err ? reject(new WebhookUrlError(`webhookUrl host ${host} does not resolve`)) : resolve(addresses.map((a) => a.address)),
    ),
  );
}

/**
 * A `lookup` for http.request that refuses private addresses after resolution, so the address
 * checked is the address connected to (no DNS rebinding between check and connect).
 */
export function publicOnlyLookup(allowPrivate: boolean, isRefused: (address: string) => boolean = isPrivateAddress): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 4);
      const usable = allowPrivate ? addresses : addresses.filter((a) => !isRefused(a.address));
      if (usable.length === 0 || usable.length !== addresses.length) {
        return callback(new WebhookUrlError(`${hostname} resolves to a private network address`), "", 4);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

/** Whether a URL's host is an IP literal that is private (checked before connecting: no lookup runs for literals). */
export function isPrivateLiteral(raw: string, isRefused: (address: string) => boolean = isPrivateAddress): boolean {
  const host = hostOf(new URL(raw));
  return isIP(host) !== 0 && isRefused(host);
}
