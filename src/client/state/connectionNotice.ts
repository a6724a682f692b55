import type { ConnectionStatus } from "./chat.js";

/**
 * What the connection banner is telling, apart from the status itself: `back` is the short
 * "Back online." after a drop, until `settled`. A change of status decides it, so the banner's
 * timer hangs on `back` alone (a timer tied to the status it had just changed was cleared by its
 * own change, and "Back online." stayed up).
 */
export type ConnectionNotice = "connecting" | "up" | "down" | "back";

export type ConnectionNoticeAction =
  /** The live connection's status now; `everConnected`: it has been online since the page began. */
  | { type: "status"; status: ConnectionStatus; everConnected: boolean }
  /** "Back online." has been up long enough. */
  | { type: "settled" };

/** How long "Back online." stays. */
export const BACK_ONLINE_MS = 2500;

/** Idempotent: the same status twice changes nothing (an effect run again, React's StrictMode). */
export function connectionNoticeReducer(notice: ConnectionNotice, action: ConnectionNoticeAction): ConnectionNotice {
  if (action.type === "settled") return notice === "back" ? "up" : notice;
  if (action.status !== "online") return action.everConnected ? "down" : "connecting";
  // Online: after a drop it says so once; the first connection is no return.
  if (notice === "down") return "back";
  return notice === "back" ? "back" : "up";
}

/** The banner's line and tone, or null; `slow`: the first connection is taking a while. */
export function connectionBannerText(notice: ConnectionNotice, slow: boolean): { text: string; tone: "warn" | "ok" } | null {
  switch (notice) {
    case "down":
      return { text: "Connection lost. Reconnecting… Messages you send will wait.", tone: "warn" };
    case "connecting":
      return slow ? { text: "Connecting…", tone: "warn" } : null;
    case "back":
      return { text: "Back online.", tone: "ok" };
    case "up":
      return null;
  }
}
