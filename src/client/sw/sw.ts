/// <reference lib="webworker" />
/**
 * The service worker, served at /sw.js (scope /): it keeps the app shell (index.html, the built
 * scripts and styles, icons, manifest) in a cache so the app loads offline, shows Web Push
 * notifications, and opens the room a notification is about. The API and Socket.IO are never
 * cached: they go to the network as if this worker were not here.
 *
 * Emitted as one file: it imports only modules of its own (./notification-click.ts, which the
 * app does not share, so the bundler inlines it). The shell's file list and version are written in
 * at build time (src/client/sw-build.ts).
 */
import { clickPlan, notificationTarget, type NotificationTarget } from "./notification-click.js";

const sw = globalThis as unknown as ServiceWorkerGlobalScope;

const SHELL_FILES = "__SHELL_FILES__".split(",").filter(Boolean);
const CACHE = "redis-chat-shell-__SHELL_VERSION__";
const INDEX = "/index.html";
const ICON = "/icons/icon-192.png";

sw.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL_FILES)).then(() => sw.skipWaiting()));
});

sw.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith("redis-chat-shell-") && name !== CACHE) await caches.delete(name);
    await sw.clients.claim();
  })());
});

sw.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (request.mode === "navigate") {
    // The page: fresh from the network when there is one, else the cached shell (the room is in the hash).
    event.respondWith(fetch(request).catch(async () => (await caches.match(INDEX)) ?? Response.error()));
    return;
  }
  if (SHELL_FILES.includes(url.pathname)) {
    // Built files have content hashes in their names: the cached copy is the right one.
    event.respondWith(caches.match(request).then((cached) => cached ?? fetch(request)));
  }
});

interface PushData {
  title?: unknown;
  body?: unknown;
}

sw.addEventListener("push", (event) => {
  let data: PushData = {};
  try {
    data = (event.data?.json() ?? {}) as PushData;
  } catch {
    data = {};
  }
  const target = notificationTarget(data);
  const roomId = target.roomId;
  const title = typeof data.title === "string" ? data.title : "Redis Chat";
  event.waitUntil(sw.registration.showNotification(title, {
    body: typeof data.body === "string" ? data.body : "New message",
    // One notification per room: a newer message replaces the older one.
    tag: roomId ? `room:${roomId}` : "redis-chat",
    icon: ICON,
    badge: ICON,
    data: target,
  }));
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  // The notification's data is the target as the push event made it (re-read: an older worker's may differ).
  const target: NotificationTarget = notificationTarget(event.notification.data);
  event.waitUntil((async () => {
    const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
    const plan = clickPlan(target, windows, sw.location.origin);
    if (plan.kind === "open") {
      await sw.clients.openWindow(plan.url);
      return;
    }
    // The open app shows the message in place (no reload: its state, drafts and socket stay).
    await plan.window.focus();
    if (plan.message) plan.window.postMessage(plan.message);
  })());
});

// The browser replaced this device's subscription (expiry, key rotation by the push service):
// subscribe again with the server's key and tell the server, with the session cookie this origin
// has. The old endpoint is removed by the server when its push service answers 404/410.
sw.addEventListener("pushsubscriptionchange", (event) => {
  (event as ExtendableEvent).waitUntil((async () => {
    const response = await fetch("/push/key", { credentials: "same-origin" });
    if (!response.ok) return;
    const { publicKey } = (await response.json()) as { publicKey: string };
    const subscription = await sw.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey });
    await fetch("/push/subscriptions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(subscription.toJSON()),
    });
  })().catch(() => undefined));
});
