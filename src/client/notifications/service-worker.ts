/**
 * Registers the service worker (/sw.js, scope /): the offline shell and Web Push. (The Vite dev
 * server has no /sw.js; the registration then fails quietly.)
 */
export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  const register = () => void navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}

/** The active registration, or null when there is none (dev server, unsupported, not yet installed). */
export async function serviceWorkerRegistration(): Promise<ServiceWorkerRegistration | null> {
  if (!("serviceWorker" in navigator)) return null;
  const registration = await navigator.serviceWorker.getRegistration("/").catch(() => undefined);
  if (!registration) return null;
  if (registration.active) return registration;
  // Installing right now (first visit): wait for it, a little.
  return Promise.race([
    navigator.serviceWorker.ready,
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000)),
  ]);
}
