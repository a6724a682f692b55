import { describe, expect, it } from "vitest";
import { asciiFastPath, normalizeTerm, segmenterWordsOf, words } from "../../src/server/domain/search/text.js";

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ASCII that words are made of and that joins or splits them, white space of every kind. */
const ASCII = "aZk09_.',;:  \t\n\r\v\f-/\"!?#@()x1";
/** Accents (precomposed and combining), CJK, emoji with modifiers and joiners, other digits and spaces. */
const OTHER = ["é", "e\u0301", "\u0301", "日本", "ü", "ß", "ﬁ", "Ａ", "😀", "👍🏽", "\u200d", "١٢", "Ω", "\u00a0", "\u2019", "ｶ", "\u00ad"];

function randomText(rand: () => number, maxLength: number, otherShare: number): string {
  const length = Math.floor(rand() * maxLength);
  let text = "";
  for (let i = 0; i < length; i++) {
    text += rand() < otherShare ? OTHER[Math.floor(rand() * OTHER.length)] : ASCII[Math.floor(rand() * ASCII.length)];
  }
  return text;
}

describe("the words of a message (search terms and highlights)", () => {
  it("are segmented without Intl.Segmenter when they are ASCII, on this runtime", () => {
    expect(asciiFastPath()).toBe(true);
  });

  it("are the words Intl.Segmenter finds, at the same places, for random ASCII text", () => {
    const rand = random(7);
    for (let n = 0; n < 20_000; n++) {
      const text = randomText(rand, 40, 0);
      expect(words(text), JSON.stringify(text)).toEqual(segmenterWordsOf(text));
    }
  });

  it("are the words Intl.Segmenter finds, at the same places, for text mixing ASCII with other scripts", () => {
    const rand = random(11);
    for (let n = 0; n < 5_000; n++) {
      const text = randomText(rand, 60, 0.1);
      expect(words(text), JSON.stringify(text)).toEqual(segmenterWordsOf(text));
    }
    for (let n = 0; n < 100; n++) {
      const text = randomText(rand, 4000, 0.05);
      expect(words(text)).toEqual(segmenterWordsOf(text));
    }
  });

  it("join letters and digits across the characters that join them, and nothing else", () => {
    const terms = (text: string) => words(text).map((w) => w.term);
    expect(terms("Don't e.g. 3.14 1,000 a:b a,b 1.a x_y _ __")).toEqual(["don't", "e.g", "3.14", "1,000", "a:b", "a", "b", "1", "a", "x_y", "__"]);
    expect(words("  Hello, wörld!")).toEqual([
      { term: "hello", start: 2, end: 7 },
      { term: "world", start: 9, end: 14 },
    ]);
  });

  it("are cut to 48 bytes of UTF-8 on a character boundary", () => {
    const long = "a".repeat(60);
    expect(words(long)).toEqual([{ term: "a".repeat(48), start: 0, end: 60 }]);
    expect(normalizeTerm("é".repeat(30))).toBe("e".repeat(30));
    expect(normalizeTerm("ж".repeat(30))).toBe("ж".repeat(24));
    expect(normalizeTerm(`${"a".repeat(47)}ж`)).toBe("a".repeat(47));
  });
});
