import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import { emojiOnlyCount, replaceShortcodes } from "./emoji.js";
import { safeHref } from "./links.js";
import { completeMention, mentionQueryAt, mentionSuggestions, splitMentions } from "./mentions.js";
import { renderRichText, searchShortcodes, shortcodeEmoji, type RichTextContext } from "./render.js";

const members: Record<string, "me" | "other"> = { pablo: "other", mary: "me" };
const ctx: RichTextContext = { mention: (name) => members[name] ?? null };
const html = (text: string, context = ctx) => renderToStaticMarkup(<>{renderRichText(text, context).node}</>);

describe("links", () => {
  it("makes http, https, mailto and bare www. addresses links that open in a new tab without referrer", () => {
    const out = html("see https://example.com/a?b=c, www.example.org and <mailto:me@example.com>");
    expect(out).toContain('<a href="https://example.com/a?b=c" target="_blank" rel="noopener noreferrer nofollow">https://example.com/a?b=c</a>,');
    expect(out).toContain('href="https://www.example.org/"');
    expect(out).toContain('href="mailto:me@example.com"');
  });
  it("never makes javascript:, data: or relative URLs links, whatever the syntax", () => {
    for (const text of ["[click](javascript:alert(1))", "<javascript:alert(1)>", "[x](data:text/html,hi)",
      "[x](/logout)", "[x](JaVaScRiPt:alert(1))", "[x](java\tscript:alert(1))", "javascript:alert(1)"]) {
      const out = html(text);
      expect(out, text).not.toContain("<a");
      expect(out.toLowerCase(), text).not.toContain("href");
    }
  });
  it("shows where a link with other text goes on hover", () => {
    expect(html("[our docs](https://example.com/docs)")).toContain('title="https://example.com/docs"');
  });
  it("turns an image into a link and loads nothing", () => {
    const out = html("![cat](https://example.com/cat.png)");
    expect(out).not.toContain("<img");
    expect(out).not.toContain("preload");
    expect(out).toContain('<a href="https://example.com/cat.png"');
  });
  it("safeHref accepts only the web and e-mail", () => {
    expect(safeHref("https://a.example/x")).toBe("https://a.example/x");
    expect(safeHref("www.a.example")).toBe("https://www.a.example/");
    expect(safeHref("mailto:a@b.example")).toBe("mailto:a@b.example");
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("vbscript:x")).toBeNull();
    expect(safeHref("file:///etc/passwd")).toBeNull();
    expect(safeHref("//evil.example")).toBeNull();
    expect(safeHref("")).toBeNull();
  });
});

describe("Markdown subset", () => {
  it("renders bold, italic, strike and inline code", () => {
    expect(html("**b** _i_ *i* ~~s~~ `c`")).toBe("<p><strong>b</strong> <em>i</em> <em>i</em> <del>s</del> <code>c</code></p>");
  });
  it("renders a fenced code block in a pre with a copy button, without formatting inside", () => {
    const out = html("```js\nconst a = **1**; // https://x.example\n```");
    expect(out).toContain('<div class="code-block"><pre tabindex="0"><code class="language-js lang-js">const a = **1**; // https://x.example</code></pre>');
    expect(out).toContain('aria-label="Copy code"');
    expect(out).not.toContain("<a");
  });
  it("renders block quotes and lists", () => {
    expect(html("> quoted\n\n- a\n- b\n\n1. one\n2. two")).toBe(
      "<blockquote><p>quoted</p></blockquote><ul><li>a</li><li>b</li></ul><ol start=\"1\"><li>one</li><li>two</li></ol>");
  });
  it("keeps line breaks as typed (the text keeps its newline; CSS pre-wrap shows it)", () => {
    expect(html("line one\nline two")).toBe("<p>line one\nline two</p>");
  });
  it("leaves lone asterisks and snake_case alone", () => {
    expect(html("2 * 3 * 4 and snake_case_name")).toBe("<p>2 * 3 * 4 and snake_case_name</p>");
  });
  it("shows headings as the line that was typed, with no id attributes", () => {
    const out = html("# not a heading");
    expect(out).toBe("<p># not a heading</p>");
  });
});

describe("what must stay text", () => {
  it("shows raw HTML as typed, escaped", () => {
    const out = html('<b>bold</b> <img src=x onerror="alert(1)"> <script>alert(1)</script>');
    expect(out).not.toMatch(/<(b|img|script)[\s>]/);
    expect(out).toContain("&lt;b&gt;bold&lt;/b&gt;");
    expect(out).toContain("&lt;script&gt;");
  });
  it("shows an HTML block as text", () => {
    const out = html('<div onclick="x()">\nhi\n</div>');
    expect(out).not.toContain("<div");
    expect(out).toContain("&lt;div");
  });
  it("does not turn shortcodes or mentions into anything inside code", () => {
    const out = html("`:smile: @Pablo`");
    expect(out).toBe("<p><code>:smile: @Pablo</code></p>");
  });
});

describe("emoji", () => {
  it("replaces known shortcodes at render time and leaves unknown ones", () => {
    expect(html("hi :smile: :nope_not_one: :+1:")).toBe("<p>hi 😄 :nope_not_one: 👍</p>");
    expect(replaceShortcodes("time 10:30:00", shortcodeEmoji)).toBe("time 10:30:00");
  });
  it("finds shortcodes by prefix for suggestions", () => {
    expect(searchShortcodes("smil").map((s) => s.name)).toContain("smile");
  });
  it("counts a message of only emoji (graphemes) for big emoji, and nothing else", () => {
    expect(emojiOnlyCount("👍")).toBe(1);
    expect(emojiOnlyCount("🎉 👍🏽 🇫🇷")).toBe(3);
    expect(emojiOnlyCount("👨‍👩‍👧")).toBe(1);
    expect(emojiOnlyCount("ok 👍")).toBe(0);
    expect(emojiOnlyCount("123")).toBe(0);
    expect(renderRichText(":tada:", ctx).bigEmoji).toBe(1);
    expect(renderRichText("🎉🎉🎉🎉", ctx).bigEmoji).toBe(0);
    expect(renderRichText("hello", ctx).bigEmoji).toBe(0);
  });
});

describe("mentions", () => {
  it("marks mentions of the people the message mentions, mine differently", () => {
    expect(html("hey @pablo and @Mary, not @nobody")).toBe(
      '<p>hey <span class="mention">@pablo</span> and <span class="mention mention--me">@Mary</span>, not @nobody</p>');
  });
  it("does not treat an e-mail address as a mention, and drops a trailing dot", () => {
    const parts = splitMentions("mail pablo@example.com or ask @Pablo.", ctx.mention);
    expect(parts.filter((p) => p.kind === "mention").map((p) => p.text)).toEqual(["@Pablo"]);
    expect(parts.map((p) => p.text).join("")).toBe("mail pablo@example.com or ask @Pablo.");
  });
  it("finds the @query being typed and completes it", () => {
    expect(mentionQueryAt("hi @Pa", 6)).toEqual({ start: 3, query: "Pa" });
    expect(mentionQueryAt("hi @", 4)).toEqual({ start: 3, query: "" });
    expect(mentionQueryAt("a@b", 3)).toBeNull();
    expect(mentionQueryAt("hi Pa", 5)).toBeNull();
    expect(completeMention("hi @Pa", 3, 6, "Pablo")).toEqual({ text: "hi @Pablo ", caret: 10 });
    expect(completeMention("hi @Pa there", 3, 6, "Pablo")).toEqual({ text: "hi @Pablo there", caret: 10 });
  });
});

describe("reply quotes", () => {
  it("quote the start of a message as plain words: Markdown marks and fences dropped, shortcodes as emoji", async () => {
    const { quoteText } = await import("../components/MessageRow.js");
    expect(quoteText("**Release** is `v2`\n> as agreed :tada:", shortcodeEmoji)).toBe("Release is v2 as agreed 🎉");
    expect(quoteText("```js\nlet a = 1;\n```")).toBe("let a = 1;");
    expect(quoteText("<b>kept as typed</b>")).toBe("<b>kept as typed</b>");
  });

  it("drop emphasis, links, headings and list marks too, but keep snake_case and arithmetic", async () => {
    const { quoteText } = await import("../components/MessageRow.js");
    expect(quoteText("**Release 2.0** is _out_: see [the notes](https://example.com) *now*")).toBe(
      "Release 2.0 is out: see the notes now");
    expect(quoteText("# Plan\n- item one\n2. item two")).toBe("Plan item one item two");
    expect(quoteText("set max_len and 2*3*4")).toBe("set max_len and 2*3*4");
  });
});

describe("before the renderer is loaded", () => {
  it("a message shows as its plain text", async () => {
    const { RichText } = await import("./RichText.js");
    expect(renderToStaticMarkup(<RichText text="**not yet** <i>x</i>" />)).toBe(
      '<div class="richtext richtext--plain ">**not yet** &lt;i&gt;x&lt;/i&gt;</div>');
  });
});

describe("the @ autocomplete's suggestions", () => {
  const known = [{ id: 1, username: "me" }, { id: 2, username: "bob", displayName: "Bob Stone" }, { id: 3, username: "cyd" }];
  it("match the username, the display name or a word of it, any case, and show people the directory found", () => {
    expect(mentionSuggestions(known, [], "sto", 1, 6).map((p) => p.username)).toEqual(["bob"]);
    expect(mentionSuggestions(known, [], "B", 1, 6).map((p) => p.username)).toEqual(["bob"]);
    expect(mentionSuggestions(known, [{ id: 4, username: "dee", displayName: "Dee Offline" }], "d", 1, 6).map((p) => p.username)).toEqual(["dee"]);
  });
  it("list each person once, with the directory's display name, never me, at most max, by shown name", () => {
    const found = [{ id: 3, username: "cyd", displayName: "Aaron Cyd" }, { id: 1, username: "me" }];
    expect(mentionSuggestions(known, found, "", 1, 6)).toEqual([
      { id: 3, username: "cyd", displayName: "Aaron Cyd" },
      { id: 2, username: "bob", displayName: "Bob Stone" },
    ]);
    expect(mentionSuggestions(known, found, "", 1, 1)).toHaveLength(1);
  });
});

describe("the @ autocomplete's order", () => {
  it("puts online people first, then by name, the tab's live presence over the directory's", () => {
    const known = [{ id: 2, username: "bob", online: false }, { id: 3, username: "cyd", online: true }];
    const found = [{ id: 2, username: "bob", online: true }, { id: 4, username: "abe", online: false }, { id: 5, username: "zed", online: true }];
    expect(mentionSuggestions(known, found, "", 1, 6).map((p) => p.username)).toEqual(["cyd", "zed", "abe", "bob"]);
  });
});

describe("search matches over formatted text", () => {
  const marked = (text: string, words: string[]) => {
    const ranges: [number, number][] = [];
    for (const word of words) for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) ranges.push([i, i + word.length]);
    ranges.sort((a, b) => a[0] - b[0]);
    return html(text, { mention: () => null, compact: true, highlight: ranges });
  };
  it("marks the matched words inside emphasis, quotes, lists and code, with none of the Markdown marks showing", () => {
    expect(marked("Hello **team**, and `team code`", ["team"])).toBe(
      "<p>Hello <strong><mark>team</mark></strong>, and <code><mark>team</mark> code</code></p>");
    expect(marked("> a quote\n\n- item one\n- item two", ["quote", "item"])).toBe(
      "<blockquote><p>a <mark>quote</mark></p></blockquote><ul><li><mark>item</mark> one</li><li><mark>item</mark> two</li></ul>");
  });
  it("marks the emoji of a matched shortcode, and a phrase across a Markdown mark without breaking it", () => {
    expect(marked("party :tada:", ["tada"])).toBe("<p>party <mark>🎉</mark></p>");
    expect(marked("Hello **team**", ["Hello **team"])).toBe("<p><mark>Hello</mark> <strong><mark>team</mark></strong></p>");
  });
  it("marks words of a link's text and of an address, and leaves nothing of its own in the text", () => {
    expect(marked("see https://status.example.com now", ["status"])).toBe(
      '<p>see <span class="richtext__link">https://<mark>status</mark>.example.com</span> now</p>');
    expect(marked("odd \uFDD0 char", ["char"])).toBe("<p>odd \uFFFD <mark>char</mark></p>");
  });
});
