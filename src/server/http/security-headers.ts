import fastifyHelmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

/**
 * Security headers on every response (@fastify/helmet). The Content-Security-Policy allows only
 * this origin's scripts, styles (and inline style attributes, which React sets), images (and data:
 * URLs, the generated avatars; blob: URLs, the previews of files chosen for a message, made from
 * the files themselves) and connections (the API and Socket.IO): defence in depth behind
 * rendering text as text. HSTS and upgrading requests to HTTPS only when served over HTTPS.
 */
export async function registerSecurityHeaders(app: FastifyInstance, options: { https: boolean }): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "blob:"],
        connectSrc: ["'self'"],
        // The service worker (/sw.js: offline shell, Web Push) and the web app manifest.
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        fontSrc: ["'self'", "data:"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(options.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: options.https ? { maxAge: 15_552_000, includeSubDomains: false } : false,
  });
}
