import type { NotificationContent } from "../state/notifications.js";
import { serviceWorkerRegistration } from "./service-worker.js";

const ICON = "/icons/icon-192.png";

/**
 * Shows a desktop notification; a click focuses this tab and calls `onClick`. Where pages may not
 * construct notifications (Chrome on Android), the service worker shows it, and its click handler
 * sends this page an "open-room" message instead (see useNotifications).
 */
export async function showNotification(content: NotificationContent, roomId: string, onClick: () => void): Promise<void> {
  try {
    const notification = new Notification(content.title, { body: content.body, tag: content.tag, icon: ICON, data: { roomId } });
    notification.onclick = () => {
      window.focus();
      onClick();
      notification.close();
    };
    return;
  } catch {
    // "Illegal constructor": only a service worker may show notifications here.
  }
  const registration = await serviceWorkerRegistration();
  await registration?.showNotification(content.title, {
    body: content.body, tag: content.tag, icon: ICON, data: { roomId, url: `/#/room/${roomId}` },
  });
}
