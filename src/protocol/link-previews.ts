import { z } from "zod";
import { RoomId } from "./ids.js";

/**
 * Link previews (issue 15): the server fetches the first MAX_LINK_PREVIEWS http(s) links of a
 * stored message, asynchronously, and attaches what it found to the message as `previews`. They
 * are kept beside the message (not in its stored JSON), returned with history and delivered live
 * as the room change `previews.updated`, like reactions. The author may remove them.
 */

/** At most this many links of one message get a preview. */
export const MAX_LINK_PREVIEWS = 3;

/** The preview image, stored as an attachment of the room (never hotlinked): `GET /room/:roomId/attachments/:id`. */
export const LinkPreviewImage = z.object({
  id: z.string(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
});
export type LinkPreviewImage = z.infer<typeof LinkPreviewImage>;

/** One preview card: plain text only (clients render every field as text). */
export const LinkPreview = z.object({
  /** The link as written in the message (the card opens it). */
  url: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  /** The site's name (og:site_name), or its host. */
  site: z.string().optional(),
  image: LinkPreviewImage.optional(),
});
export type LinkPreview = z.infer<typeof LinkPreview>;

/** `previews.updated` (room change): the message's previews now; `[]` once its author removed them. */
export const PreviewsUpdated = z.object({
  type: z.literal("previews.updated"),
  seq: z.string(),
  roomId: RoomId,
  id: z.string(),
  previews: z.array(LinkPreview),
});
export type PreviewsUpdated = z.infer<typeof PreviewsUpdated>;

/** Link characters end before white space, quotes and angle brackets; trailing punctuation is the sentence's. */
const LINK = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}*_~]+$/;

/**
 * The distinct http(s) links of a message's text, in order, at most MAX_LINK_PREVIEWS. Links in
 * code (between backticks) are not previewed; a link with credentials is not either.
 */
export function previewableLinks(text: string): string[] {
  const withoutCode = text.replace(/```[\s\S]*?```|`[^`\n]*`/g, " ");
  const found: string[] = [];
  for (const match of withoutCode.matchAll(LINK)) {
    const raw = match[0].replace(TRAILING, "");
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    if (url.username || url.password || !url.hostname) continue;
    url.hash = "";
    if (!found.includes(url.href)) found.push(url.href);
    if (found.length === MAX_LINK_PREVIEWS) break;
  }
  return found;
}

/** Answer of `DELETE /room/:roomId/messages/:messageId/previews`: the message's previews now (`[]`). */
export const PreviewsOfMessage = z.object({ roomId: RoomId, id: z.string(), previews: z.array(LinkPreview) });
export type PreviewsOfMessage = z.infer<typeof PreviewsOfMessage>;
