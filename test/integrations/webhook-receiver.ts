import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { WebhookPayload } from "../../src/protocol/index.js";

export interface Received {
  payload: WebhookPayload;
  timestamp: string;
  signatureValid: boolean;
  at: number;
}

/**
 * A webhook receiver on 127.0.0.1 that verifies `X-Chat-Signature` the way docs/integrations.md
 * tells integrators to, records every call, and answers with what `respond` says.
 */
export async function startReceiver(
  secret: () => string,
  respond: (call: Received, index: number) => { status: number; text?: string; delayMs?: number } = () => ({ status: 204 }),
): Promise<{ url: string; calls: Received[]; close(): Promise<void>; server: Server }> {
  const calls: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const timestamp = String(req.headers["x-chat-timestamp"] ?? "");
      const expected = `sha256=${createHmac("sha256", secret()).update(`${timestamp}.${body}`).digest("hex")}`;
      const given = String(req.headers["x-chat-signature"] ?? "");
      const signatureValid = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      const call = { payload: JSON.parse(body) as WebhookPayload, timestamp, signatureValid, at: Date.now() };
      calls.push(call);
      const answer = respond(call, calls.length - 1);
      setTimeout(() => {
        if (answer.text !== undefined) res.writeHead(answer.status, { "content-type": "text/plain; charset=utf-8" }).end(answer.text);
        else res.writeHead(answer.status).end();
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    calls,
    server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
