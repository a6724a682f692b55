import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * The one guard for every request the server makes to a URL it was given (webhooks, Web Push,
 * link previews): server-side request forgery. A host is resolved, every address it resolves to
 * must be on the public internet, and the connection goes to an address that was checked (the
 * check runs inside the socket's own DNS lookup, so a rebinding answer cannot slip in between).
 * Redirects are followed only when asked, each hop checked again the same way.
 *
 * `allowPrivate` (ALLOW_PRIVATE_NETWORK_FETCH) lifts the address rule: tests, on-premises receivers.
 */

/** A request refused because its host is, or resolves to, an address that is not public. */
export class BlockedAddressError extends Error {
  readonly code = "ERR_BLOCKED_ADDRESS";
}

/** The IPv4 address in 32 bits of an IPv6 address, words `at` and `at + 1`. */
const embeddedV4 = (v6: ipaddr.IPv6, at: number): ipaddr.IPv4 => {
  const [hi = 0, lo = 0] = [v6.parts[at], v6.parts[at + 1]];
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
};

/**
 * True only for an address on the public internet (ipaddr.js's "unicast" range). IPv6 forms that
 * carry an IPv4 address are judged by that address: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated
 * (`::ffff:0:a.b.c.d`), 6to4 (`2002:AABB:CCDD::`) and NAT64 (`64:ff9b::a.b.c.d`). Refused outright:
 * IPv4-compatible (`::a.b.c.d`, deprecated; `::7f00:1` is loopback to some stacks), Teredo (the
 * client address is obfuscated), local-use NAT64 (`64:ff9b:1::/48`), and every special range
 * (loopback, private, link-local, unique-local, site-local `fec0::/10`, discard `100::/64`,
 * documentation, multicast, ...). A string that is not an address is not public.
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 0) return false;
  // IPv6 in WHATWG URL's canonical form first: ipaddr.js reads `::a.b.c.d` as IPv4-mapped.
  const parsed = ipaddr.parse(family === 4 ? bare : new URL(`http://[${bare}]/`).hostname.slice(1, -1));
  if (parsed.kind() === "ipv4") return parsed.range() === "unicast";
  const v6 = parsed as ipaddr.IPv6;
  const words = v6.parts;
  const zeroUpTo = (n: number) => words.slice(0, n).every((w) => w === 0);
  switch (v6.range()) {
    case "ipv4Mapped":
    case "rfc6145":
      return isPublicAddress(embeddedV4(v6, 6).toString());
    case "6to4":
      return isPublicAddress(embeddedV4(v6, 1).toString());
    case "rfc6052":
      // 64:ff9b::/96 (well-known NAT64 prefix) translates to the IPv4 in its last 32 bits.
      return words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0) && isPublicAddress(embeddedV4(v6, 6).toString());
    case "unicast":
      // ::/96 is the deprecated IPv4-compatible form (ipaddr.js calls it unicast).
      return !zeroUpTo(6);
    default:
      return false;
  }
}

/** Throws BlockedAddressError unless `address` is public (see isPublicAddress). */
export function assertPublicAddress(address: string): void {
  if (!isPublicAddress(address)) throw new BlockedAddressError(`${address} is a loopback, link-local or private network address`);
}

/** A URL's host without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/**
 * Resolves a URL's host and throws BlockedAddressError unless every address is public (a literal
 * address is judged as is). For a check before storing a URL; sending checks again at connect time.
 * A host that does not resolve throws BlockedAddressError too (nothing can be sent there).
 */
export async function assertPublicUrl(raw: string | URL, options: { allowPrivate?: boolean } = {}): Promise<void> {
  if (options.allowPrivate) return;
  const host = hostOf(new URL(raw));
  if (isIP(host)) return assertPublicAddress(host);
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, found) => (err ? reject(new BlockedAddressError(`${host} does not resolve`)) : resolve(found))),
  );
  for (const { address } of addresses) assertPublicAddress(address);
}

/**
 * A `lookup` for sockets that fails when any address the name resolves to is not public, so the
 * address connected to is one that was checked (no DNS rebinding between check and connect).
 */
export function publicOnlyLookup(allowPrivate: boolean, isPublic: (address: string) => boolean = isPublicAddress): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 4);
      if (!allowPrivate && (addresses.length === 0 || !addresses.every((a) => isPublic(a.address)))) {
        return callback(new BlockedAddressError(`${hostname} resolves to a loopback, link-local or private network address`), "", 4);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** Keep-alive agents whose every socket was opened through the guarded lookup (one pair per mode). */
const agents = new Map<boolean | ((address: string) => boolean), { http: HttpAgent; https: HttpsAgent }>();
function agentsFor(allowPrivate: boolean, isPublic?: (address: string) => boolean) {
  const mode = isPublic && !allowPrivate ? isPublic : allowPrivate;
  let pair = agents.get(mode);
  if (!pair) {
    const lookup = publicOnlyLookup(allowPrivate, isPublic);
    pair = { http: new HttpAgent({ keepAlive: true, lookup }), https: new HttpsAgent({ keepAlive: true, lookup }) };
    agents.set(mode, pair);
  }
  return pair;
}

export interface GuardedFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The whole exchange, redirects included, must finish within this time. */
  timeoutMs: number;
  /** The response body is read up to this many bytes; past it the connection is dropped (`truncated`). */
  maxBytes: number;
  /** Redirects to follow (each hop checked like the first); 0, the default, returns the 3xx itself. */
  maxRedirects?: number;
  /** ALLOW_PRIVATE_NETWORK_FETCH: skip the address rule (the scheme rule stays). */
  allowPrivate?: boolean;
  signal?: AbortSignal;
  /**
   * Tests only: which addresses count as public (default isPublicAddress). Lets a test's server on
   * 127.0.0.1 stand in for a public site, to show that a redirect from it to a private address is refused.
   */
  isPublic?: (address: string) => boolean;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** True when the body was longer than maxBytes (only the first maxBytes are in `body`). */
  truncated: boolean;
  /** The URL that answered (after redirects). */
  url: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * An HTTP(S) request to a URL someone else chose: http/https only, no credentials in the URL, only
 * public addresses (unless allowPrivate), bounded in time and response size, redirects followed
 * only up to maxRedirects with every hop checked again. Rejects with BlockedAddressError for a
 * refused address, or an Error for a timeout, a bad URL or a network failure.
 */
export async function guardedFetch(raw: string | URL, options: GuardedFetchOptions): Promise<GuardedResponse> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  let url = new URL(raw);
  let method = (options.method ?? "GET").toUpperCase();
  let body = options.body;
  for (let hop = 0; ; hop++) {
    const response = await requestOnce(url, method, body, options, signal);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || !location || hop >= (options.maxRedirects ?? 0)) return response;
    url = new URL(location, url);
    // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === "POST")) {
      method = "GET";
      body = undefined;
    }
  }
}

function requestOnce(url: URL, method: string, body: string | Uint8Array | undefined, options: GuardedFetchOptions, signal: AbortSignal): Promise<GuardedResponse> {
  if (url.protocol !== "http:" && url.protocol !== "https:") return Promise.reject(new BlockedAddressError(`${url.protocol} URLs are not fetched`));
  if (url.username || url.password) return Promise.reject(new BlockedAddressError("URLs carrying credentials are not fetched"));
  const allowPrivate = options.allowPrivate ?? false;
  // A literal address never goes through the lookup: judge it here.
  const host = hostOf(url);
  if (!allowPrivate && isIP(host) && !(options.isPublic ?? isPublicAddress)(host)) return Promise.reject(new BlockedAddressError(`${host} is a loopback, link-local or private network address`));
  const https = url.protocol === "https:";
  const pair = agentsFor(allowPrivate, options.isPublic);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
    const req = (https ? httpsRequest : httpRequest)(url, { method, headers, agent: https ? pair.https : pair.http, signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated, url: url.toString() });
      res.on("data", (chunk: Buffer) => {
        if (truncated) return;
        const room = options.maxBytes - size;
        if (chunk.length > room) {
          if (room > 0) chunks.push(chunk.subarray(0, room));
          size = options.maxBytes;
          truncated = true;
          res.destroy();
          done();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", done);
      res.on("error", (err) => (truncated ? undefined : fail(err)));
    });
    const fail = (err: Error) => reject(signal.aborted && timedOut(signal) ? new Error(`no answer within ${options.timeoutMs} ms`) : err);
    req.on("error", fail);
    req.end(body);
  });
}

/** Whether an aborted signal was aborted by its timeout (not by the caller). */
const timedOut = (signal: AbortSignal) => signal.reason instanceof DOMException && signal.reason.name === "TimeoutError";
