import { describe, expect, it } from "vitest";
import {
  compareMessageIds,
  isBlankMessage,
  MAX_MESSAGE_LENGTH,
  MessageText,
  messageLength,
} from "../../src/protocol/index.js";
import { INVISIBLE_SAMPLES } from "../support/invisible-text.js";

describe("a message that would render blank", () => {
  for (const [name, text] of Object.entries(INVISIBLE_SAMPLES)) {
    it(`is refused: ${name}`, () => {
      expect(isBlankMessage(text)).toBe(true);
      const parsed = MessageText.safeParse(text);
      expect(parsed.success).toBe(false);
    });
  }

  it("is refused when empty", () => {
    expect(MessageText.safeParse("").success).toBe(false);
  });

  it("anything visible among invisible characters is accepted, as typed", () => {
    for (const text of ["a", "\u200b.\u200b", "👍", "\u00a0ok\u00a0", "\u200dx", "家", "❤\ufe0f"]) {
      expect(isBlankMessage(text)).toBe(false);
      expect(MessageText.parse(text)).toBe(text);
    }
  });
});

describe("message length", () => {
  it("counts code points: an emoji is one character, as a person counts it", () => {
    expect(messageLength("hello")).toBe(5);
    expect(messageLength("👍")).toBe(1);
    expect("👍".length).toBe(2);
    expect(messageLength("a👍b🎉")).toBe(4);
    expect(messageLength("")).toBe(0);
  });

  it(`allows ${MAX_MESSAGE_LENGTH} emoji (8,000 UTF-16 units) and refuses one more`, () => {
    expect(MessageText.safeParse("😀".repeat(MAX_MESSAGE_LENGTH)).success).toBe(true);
    const over = MessageText.safeParse("😀".repeat(MAX_MESSAGE_LENGTH + 1));
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.message).toMatch(/at most 4000 characters/);
  });

  it(`allows ${MAX_MESSAGE_LENGTH} letters and refuses ${MAX_MESSAGE_LENGTH + 1}`, () => {
    expect(MessageText.safeParse("x".repeat(MAX_MESSAGE_LENGTH)).success).toBe(true);
    expect(MessageText.safeParse("x".repeat(MAX_MESSAGE_LENGTH + 1)).success).toBe(false);
  });
});

describe("message id order", () => {
  it("orders by time first, then an id without disambiguator before one with, then by disambiguator", () => {
    const ids = [
      "1615480370000000",
      "1615480369000000-ffffffffffff",
      "999",
      "1615480369000000",
      "1615480369000000-000000000001",
      "1615480369000001",
    ];
    expect([...ids].sort(compareMessageIds)).toEqual([
      "999",
      "1615480369000000",
      "1615480369000000-000000000001",
      "1615480369000000-ffffffffffff",
      "1615480369000001",
      "1615480370000000",
    ]);
    expect(compareMessageIds("1615480369000000-abcabcabcabc", "1615480369000000-abcabcabcabc")).toBe(0);
  });
});
