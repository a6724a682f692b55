import { z } from "zod";

/** At most this many different emoji on one message (a further one is refused). */
export const MAX_REACTIONS_PER_MESSAGE = 20;
export const MAX_EMOJI_LENGTH = 32;

/** `:name:` as in Slack/GitHub shortcodes (`:+1:`, `:smile:`, `:party_parrot:`). */
const SHORTCODE = /^:[a-z0-9_+-]{1,30}:$/;
/**
 * One emoji grapheme: a regional-indicator pair (a flag), or an emoji with its optional
 * presentation selector, keycap or skin-tone modifier, ZWJ-joined to more of the same, optionally
 * followed by tag characters (subdivision flags).
 */
const EMOJI_GRAPHEME =
  /^(?:\p{Regional_Indicator}{2}|\p{Emoji}(?:\uFE0F|\u20E3|\p{Emoji_Modifier})*(?:\u200D\p{Emoji}(?:\uFE0F|\u20E3|\p{Emoji_Modifier})*)*[\u{E0020}-\u{E007F}]*)$/u;
/** `\p{Emoji}` includes 0-9, `#`, `*` and lone regional indicators: alone they are text, not emoji. */
const PICTOGRAPHIC = /\p{Extended_Pictographic}|\u20E3|^\p{Regional_Indicator}{2}$/u;

/** Whether `value` is a single emoji grapheme or a shortcode, at most MAX_EMOJI_LENGTH UTF-16 units. */
export function isReactionEmoji(value: string): boolean {
  if (value.length === 0 || value.length > MAX_EMOJI_LENGTH) return false;
  if (SHORTCODE.test(value)) return true;
  return EMOJI_GRAPHEME.test(value) && PICTOGRAPHIC.test(value);
}

export const Emoji = z
  .string("emoji must be a string")
  .refine(isReactionEmoji, "emoji must be one emoji or a :shortcode:");

/** One emoji on one message and who reacted with it, in the order they did. Count = users.length. */
export const Reaction = z.object({ emoji: z.string(), users: z.array(z.number().int()) });
export type Reaction = z.infer<typeof Reaction>;
