import { PreviewsOfMessage } from "../../protocol/index.js";
import { request } from "../api.js";

/** The author removes their message's link previews (`previews.updated` then reaches every tab). */
export function removeLinkPreviews(roomId: string, messageId: string): Promise<PreviewsOfMessage> {
  return request(PreviewsOfMessage, `/room/${encodeURIComponent(roomId)}/messages/${encodeURIComponent(messageId)}/previews`, { method: "DELETE" });
}
