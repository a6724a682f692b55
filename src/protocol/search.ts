import { z } from "zod";
import { RoomId } from "./ids.js";
import { ChatMessage } from "./message.js";

/** The most results one search page returns. */
export const MAX_SEARCH_LIMIT = 50;

/**
 * What `has=` (and `has:` in `q`) keeps: messages with a link, with any file, or with an image (a
 * raster image file: INLINE_IMAGE_TYPES).
 */
export const SearchHas = z.enum(["link", "file", "image"]);
export type SearchHas = z.infer<typeof SearchHas>;

/**
 * `GET /search`: `q` holds words, "quoted phrases" and operators (`from:mary in:#ops has:image
 * before:2026-12-01 after:2026-11-01`); the other parameters fill the same filters. `cursor` is the
 * `next` of the previous page.
 */
export const SearchQuery = z.object({
  q: z.string().max(500).default(""),
  room: RoomId.optional(),
  from: z.string().max(64).optional(),
  before: z.string().max(40).optional(),
  after: z.string().max(40).optional(),
  has: SearchHas.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_SEARCH_LIMIT).default(20),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

/** A [start, end) range of UTF-16 code units of the message text to highlight. */
export const SearchRange = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);

/** One message found: its room, the message as history gives it, and the words that matched. */
export const SearchResult = z.object({
  roomId: RoomId,
  message: ChatMessage,
  ranges: z.array(SearchRange),
});
export type SearchResult = z.infer<typeof SearchResult>;

/** Newest first; `next` is the cursor of the following page, null at the end. */
export const SearchPage = z.object({
  results: z.array(SearchResult),
  next: z.string().nullable(),
});
export type SearchPage = z.infer<typeof SearchPage>;
