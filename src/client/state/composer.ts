import { isBlankMessage, MAX_MESSAGE_LENGTH, messageLength } from "../../protocol/index.js";

/** The composer shows what is left once this many characters or fewer remain. */
export const SHOW_REMAINING_FROM = 200;

export interface ComposerStatus {
  /** Characters left before the limit (negative: over it), counted as the server counts them. */
  remaining: number;
  /** True when the count (or the reason) should be on screen. */
  visible: boolean;
  canSend: boolean;
  /** Why sending is not possible, for the person (shown, and the Send button's description). */
  reason?: string;
}

const format = (n: number) => n.toLocaleString("en-US");

/**
 * What the composer says about a draft, with the protocol's own rules (messageLength,
 * isBlankMessage): text is never cut; over the limit it stays as typed, sending is disabled and
 * the reason says by how much.
 */
export function composerStatus(text: string): ComposerStatus {
  const remaining = MAX_MESSAGE_LENGTH - messageLength(text);
  if (remaining < 0) {
    const over = -remaining;
    return {
      remaining,
      visible: true,
      canSend: false,
      reason: `${format(over)} character${over === 1 ? "" : "s"} over the ${format(MAX_MESSAGE_LENGTH)} limit: shorten it to send`,
    };
  }
  if (isBlankMessage(text)) {
    return { remaining, visible: text.length > 0, canSend: false, reason: text.length > 0 ? "Nothing visible to send" : undefined };
  }
  return { remaining, visible: remaining <= SHOW_REMAINING_FROM, canSend: true };
}

/** The short line under the composer: the reason, or what is left. */
export function composerStatusText(status: ComposerStatus): string {
  if (status.reason) return status.reason;
  return `${format(status.remaining)} character${status.remaining === 1 ? "" : "s"} left`;
}
