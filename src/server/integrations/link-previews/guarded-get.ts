import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isPrivateAddress, isPrivateLiteral, publicOnlyLookup, WebhookUrlError } from "../webhook-url.js";

/** Why a fetch was not made or not finished: refused (SSRF), too large, too slow, or not what was asked. */
export class FetchRefused extends Error {
  constructor(
    message: string,
    readonly reason: "private-address" | "scheme" | "too-large" | "timeout" | "redirects" | "status" | "network",
  ) {
    super(message);
  }
}

export interface GuardedGetOptions {
  /** The whole fetch, every redirect included, ends after this. */
  timeoutMs: number;
  /** Bytes of body read at most. */
  maxBytes: number;
  /** Past `maxBytes`: keep the first bytes (`truncate`, an HTML page's head is what matters) or fail. */
  overLimit: "truncate" | "fail";
  maxRedirects: number;
  /** ALLOW_PRIVATE_NETWORK_FETCH: private addresses may be reached (intranets, tests). */
  allowPrivate: boolean;
  accept: string;
  /** Which resolved addresses are refused (defaults to private ones; tests narrow it to reach their own server). */
  isRefused?: (address: string) => boolean;
}

export interface FetchedBody {
  /** The URL that answered (after redirects). */
  url: string;
  contentType: string;
  body: Buffer;
  truncated: boolean;
}

const USER_AGENT = "redis-chat-link-preview/1 (+https://github.com/redis-chat)";

/**
 * GET with the webhooks' SSRF guard at every hop: http(s) only, no credentials, IP literals checked
 * before connecting, names resolved and checked in the connection's own lookup (the checked address
 * is the one connected to), redirects followed by hand so each target is checked again. Bounded in
 * time (one deadline for the whole chain) and in size (Content-Length checked first, then counted).
 *
 * Errors: FetchRefused.
 */
export async function guardedGet(raw: string, options: GuardedGetOptions): Promise<FetchedBody> {
  const deadline = Date.now() + options.timeoutMs;
  let url = raw;
  for (let hop = 0; ; hop++) {
    checkUrl(url, options);
    const answer = await getOnce(url, options, deadline);
    if (answer.kind === "body") return answer.body;
    if (hop >= options.maxRedirects) throw new FetchRefused(`more than ${options.maxRedirects} redirects`, "redirects");
    url = answer.location;
  }
}

function checkUrl(raw: string, options: GuardedGetOptions): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FetchRefused("not a URL", "scheme");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FetchRefused("only http and https are fetched", "scheme");
  if (url.username || url.password) throw new FetchRefused("URLs with credentials are not fetched", "scheme");
  if (!options.allowPrivate && isPrivateLiteral(url.href, options.isRefused ?? isPrivateAddress)) {
    throw new FetchRefused(`${url.host} is a private network address`, "private-address");
  }
}

type Answer = { kind: "body"; body: FetchedBody } | { kind: "redirect"; location: string };

function getOnce(raw: string, options: GuardedGetOptions, deadline: number): Promise<Answer> {
  const url = new URL(raw);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.reject(new FetchRefused(`no answer within ${options.timeoutMs} ms`, "timeout"));
  return new Promise<Answer>((resolve, reject) => {
    let settled = false;
    const finish = (error: FetchRefused | undefined, answer?: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(answer!);
    };
    const req = send(
      url,
      {
        method: "GET",
        lookup: publicOnlyLookup(options.allowPrivate, options.isRefused ?? isPrivateAddress),
        headers: { accept: options.accept, "user-agent": USER_AGENT, "accept-encoding": "identity" },
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          let next: string;
          try {
            next = new URL(res.headers.location, url).href;
          } catch {
            return finish(new FetchRefused("a redirect to something that is not a URL", "status"));
          }
          req.destroy();
          return finish(undefined, { kind: "redirect", location: next });
        }
        if (status < 200 || status >= 300) return finish(new FetchRefused(`HTTP ${status}`, "status"));
        const declared = Number(res.headers["content-length"] ?? NaN);
        if (options.overLimit === "fail" && declared > options.maxBytes) {
          return finish(new FetchRefused(`${declared} bytes is over the ${options.maxBytes} byte limit`, "too-large"));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const body = (truncated: boolean): Answer => ({
          kind: "body",
          body: { url: url.href, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks), truncated },
        });
        res.on("data", (chunk: Buffer) => {
          if (settled) return;
          const room = options.maxBytes - size;
          if (chunk.length > room) {
            if (options.overLimit === "fail") return finish(new FetchRefused(`over the ${options.maxBytes} byte limit`, "too-large"));
            chunks.push(chunk.subarray(0, room));
            size += room;
            finish(undefined, body(true));
            req.destroy(); // read no further
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on("end", () => finish(undefined, body(false)));
        res.on("error", (err) => finish(new FetchRefused(err.message, "network")));
      },
    );
    const timer = setTimeout(() => finish(new FetchRefused(`no answer within ${options.timeoutMs} ms`, "timeout")), remaining);
    req.on("error", (err) => {
      // The guard's lookup refuses private addresses with an error of its own.
      finish(new FetchRefused(err.message, err instanceof WebhookUrlError ? "private-address" : "network"));
    });
    req.end();
  });
}
