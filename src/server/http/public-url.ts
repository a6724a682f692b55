import type { FastifyRequest } from "fastify";
import type { Config } from "../config.js";

/**
 * Every absolute link the server makes (invitation links, and any later one) is built here, from
 * PUBLIC_URL: a request's Host header is the client's to choose (`Host: evil.example` must not put
 * evil.example in a link an administrator hands out). Without PUBLIC_URL, development falls back
 * to the host that was asked; production answers a link relative to the site (`/?invite=...`),
 * which the web client completes with its own origin.
 */
export function publicLink(config: Pick<Config, "publicUrl" | "production">, request: FastifyRequest, pathAndQuery: string): string {
  if (config.publicUrl) return new URL(pathAndQuery.replace(/^\//, ""), config.publicUrl).toString();
  if (!config.production) return `${request.protocol}://${request.host}${pathAndQuery}`;
  return pathAndQuery;
}
