import { createECDH, randomBytes, type ECDH } from "node:crypto";
import { createServer, type Server } from "node:http";
import { decrypt } from "http_ece";
import type { PushSubscriptionBody } from "../../src/protocol/index.js";

/** One request a push service received. */
export interface ReceivedPush {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A device: a P-256 key pair and auth secret of its own (RFC 8291), subscribed at an endpoint of the stand-in service. */
export interface FakeDevice {
  subscription: PushSubscriptionBody;
  ecdh: ECDH;
  auth: string;
  /** The pushes this device's endpoint received. */
  received(): ReceivedPush[];
  /** Decrypts a push sent to this device (aes128gcm), as the browser would. */
  open(push: ReceivedPush): unknown;
}

/**
 * A stand-in Web Push service on 127.0.0.1 (plain HTTP): it records every POST and answers 201,
 * or 410 Gone for endpoints under `/gone/` (a subscription the browser dropped); endpoints under
 * `/slow/` answer after SLOW_PUSH_MS (a push service that keeps the sender waiting).
 */
export interface FakePushService {
  url: string;
  requests: ReceivedPush[];
  device(name: string, options?: { gone?: boolean; slow?: boolean }): FakeDevice;
  close(): Promise<void>;
}

/** How long a `/slow/` endpoint keeps a push waiting. */
export const SLOW_PUSH_MS = 1500;

export async function startPushService(): Promise<FakePushService> {
  const requests: ReceivedPush[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      requests.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      res.statusCode = path.startsWith("/gone/") ? 410 : 201;
      setTimeout(() => res.end(), path.startsWith("/slow/") ? SLOW_PUSH_MS : 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    url,
    requests,
    device(name, options = {}) {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = randomBytes(16).toString("base64url");
      const path = `/${options.gone ? "gone" : options.slow ? "slow" : "ok"}/${name}-${randomBytes(4).toString("hex")}`;
      return {
        subscription: { endpoint: `${url}${path}`, keys: { p256dh: ecdh.getPublicKey("base64url"), auth } },
        ecdh,
        auth,
        received: () => requests.filter((r) => r.path === path),
        open: (push) => JSON.parse(decrypt(push.body, { version: "aes128gcm", privateKey: ecdh, authSecret: auth }).toString("utf8")),
      };
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
