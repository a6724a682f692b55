import { describe, expect, it } from "vitest";
import { isReactionEmoji } from "../../src/protocol/index.js";

describe("reaction emoji validation", () => {
  it("accepts single emoji graphemes, including modifiers, ZWJ sequences, keycaps and flags", () => {
    for (const emoji of ["👍", "❤️", "👍🏽", "👩‍💻", "👨‍👩‍👧‍👦", "1️⃣", "🇫🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🎉"]) {
      expect(isReactionEmoji(emoji), emoji).toBe(true);
    }
  });

  it("accepts shortcodes", () => {
    for (const code of [":smile:", ":+1:", ":party_parrot:", ":-1:"]) expect(isReactionEmoji(code), code).toBe(true);
  });

  it("refuses text, several emoji, markup and overlong values", () => {
    for (const value of ["", "a", "1", "#", "👍👍", "👍 ", "<b>", ":Smile:", "::", `:${"a".repeat(31)}:`, "javascript:", "🇫"]) {
      expect(isReactionEmoji(value), JSON.stringify(value)).toBe(false);
    }
  });
});
