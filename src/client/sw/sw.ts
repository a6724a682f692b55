/// <reference lib="webworker" />
/**
 * The service worker, served at /sw.js (scope /): it keeps the app shell (index.html, the built
 * scripts and styles, icons, manifest) in a cache so the app loads offline, shows Web Push
 * notifications, and opens the room a notification is about. The API and Socket.IO are never
 * cached: they go to the network as if this worker were not here.
 *
 * Self-contained on purpose (no imports): it is emitted as one file. The shell's file list and
 * version are written in at build time (src/client/sw-build.ts).
 */
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
  roomId?: unknown;
  url?: unknown;
}

sw.addEventListener("push", (event) => {
  let data: PushData = {};
  try {
    data = (event.data?.json() ?? {}) as PushData;
  } catch {
    data = {};
  }
  const roomId = typeof data.roomId === "string" ? data.roomId : null;
  const url = typeof data.url === "string" && data.url.startsWith("/") ? data.url : "/";
  const title = typeof data.title === "string" ? data.title : "Redis Chat";
  event.waitUntil(sw.registration.showNotification(title, {
    body: typeof data.body === "string" ? data.body : "New message",
    // One notification per room: a newer message replaces the older one.
    tag: roomId ? `room:${roomId}` : "redis-chat",
    icon: ICON,
    badge: ICON,
    data: { url, roomId },
  }));
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const { url = "/", roomId = null } = (event.notification.data ?? {}) as { url?: string; roomId?: string | null };
  event.waitUntil((async () => {
    const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((w) => new URL(w.url).origin === sw.location.origin);
    if (open) {
      await open.focus();
      open.postMessage({ type: "open-room", roomId });
      return;
    }
    await sw.clients.openWindow(url);
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
