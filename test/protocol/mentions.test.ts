import { describe, expect, it } from "vitest";
import { codeSpans, extractMentions, findMentions, MAX_MENTIONS_PER_MESSAGE } from "../../src/protocol/index.js";

describe("mention parsing (shared by server and client)", () => {
  it("finds @names at the start, after spaces and after punctuation", () => {
    expect(extractMentions("@pablo hi")).toEqual(["pablo"]);
    expect(extractMentions("hi @pablo and @Joe_1, (@ana.b) ok")).toEqual(["pablo", "Joe_1", "ana.b"]);
  });

  it("gives offsets that slice back to the token", () => {
    const text = "hey @pablo!";
    const [token] = findMentions(text);
    expect(token).toEqual({ name: "pablo", start: 4, end: 10 });
    expect(text.slice(token!.start, token!.end)).toBe("@pablo");
  });

  it("treats a trailing dot or dash as punctuation", () => {
    expect(extractMentions("thanks @pablo.")).toEqual(["pablo"]);
    expect(extractMentions("ask @joe- now")).toEqual(["joe"]);
  });

  it("does not take an e-mail address or @@ for a mention", () => {
    expect(extractMentions("mail pablo@example.com")).toEqual([]);
    expect(extractMentions("a@@b")).toEqual([]);
    expect(extractMentions("@ alone")).toEqual([]);
  });

  it("skips inline code spans and fenced code blocks", () => {
    expect(extractMentions("run `@decorator` for @pablo")).toEqual(["pablo"]);
    expect(extractMentions("``a ` @x`` @y")).toEqual(["y"]);
    expect(extractMentions("```\n@inside\n```\n@outside")).toEqual(["outside"]);
    expect(extractMentions("```ts\n@never closed")).toEqual([]);
  });

  it("keeps an unclosed backtick as text, so a mention after it counts", () => {
    expect(extractMentions("it`s @pablo")).toEqual(["pablo"]);
    expect(codeSpans("it`s")).toEqual([]);
  });

  it("ignores a name longer than a username can be", () => {
    expect(extractMentions(`@${"a".repeat(33)}`)).toEqual([]);
    expect(extractMentions(`@${"a".repeat(32)}`)).toEqual(["a".repeat(32)]);
  });

  it("returns each name once, case-insensitively, at most the limit", () => {
    expect(extractMentions("@Pablo @pablo @PABLO")).toEqual(["Pablo"]);
    const many = Array.from({ length: 30 }, (_, i) => `@u${i}`).join(" ");
    expect(extractMentions(many)).toHaveLength(MAX_MENTIONS_PER_MESSAGE);
  });

  it("never throws on odd input", () => {
    for (const text of ["", "@", "`", "```", "@`@`@", "\n```\n", "@".repeat(5000)]) {
      expect(() => findMentions(text)).not.toThrow();
    }
  });
});
