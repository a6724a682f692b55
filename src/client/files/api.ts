import { AttachmentLimits, PreviewsOfMessage } from "../../protocol/index.js";
import { request } from "../api.js";

/** The author removes their message's link previews (`previews.updated` then reaches every tab). */
export function removeLinkPreviews(roomId: string, messageId: string): Promise<PreviewsOfMessage> {
  return request(PreviewsOfMessage, `/room/${encodeURIComponent(roomId)}/messages/${encodeURIComponent(messageId)}/previews`, { method: "DELETE" });
}

let limits: Promise<AttachmentLimits | undefined> | undefined;

/**
 * The server's upload limits, asked once per page (they change only with the server's
 * configuration). Undefined when they could not be read: the upload is then sent and the server
 * decides (asked again next time).
 */
export function attachmentLimits(): Promise<AttachmentLimits | undefined> {
  return (limits ??= request(AttachmentLimits, "/attachments/limits").catch(() => {
    limits = undefined;
    return undefined;
  }));
}
