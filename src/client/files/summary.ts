import { messageCaption, type ChatMessage } from "../../protocol/index.js";

/**
 * A message as one short text for a list or a quote: its caption (without the lines naming its
 * files, which the server appends for seed clients), or, with no caption, its files' names.
 */
export function messageSummary(message: Pick<ChatMessage, "message" | "roomId" | "attachments">): string {
  const caption = messageCaption(message);
  const files = message.attachments ?? [];
  if (caption !== "" || files.length === 0) return caption;
  const [first, ...rest] = files;
  return rest.length === 0 ? `📎 ${first!.name}` : `📎 ${first!.name} and ${rest.length} more file${rest.length === 1 ? "" : "s"}`;
}
