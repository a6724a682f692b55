/**
 * The rich-text renderer, loaded lazily (see RichText.tsx): markdown-to-jsx turns the Markdown
 * subset into React elements (never HTML strings), GitHub's emoji shortcodes from emojibase-data
 * become emoji, and `@name` mentions are marked. Raw HTML stays text; links are checked by
 * safeHref and open in a new tab.
 */
import { Fragment, useRef, useState, type ReactNode } from "react";
import { RuleType, compiler, type MarkdownToJSX } from "markdown-to-jsx/react";
import githubShortcodes from "emojibase-data/en/shortcodes/github.json";
import { BIG_EMOJI_MAX, emojiFromHexcode, emojiOnlyCount, replaceShortcodes } from "./emoji.js";
import { LINK_REL, safeHref } from "./links.js";
import { splitMentions, type MentionKind } from "./mentions.js";
import { copyText } from "../lib/copyText.js";

const shortcodes = new Map<string, string>();
for (const [hexcode, names] of Object.entries(githubShortcodes as Record<string, string | string[]>)) {
  const emoji = emojiFromHexcode(hexcode);
  for (const name of Array.isArray(names) ? names : [names]) shortcodes.set(name, emoji);
}

/** The emoji for a GitHub shortcode name (without colons), e.g. `smile` -> 😄. */
export function shortcodeEmoji(name: string): string | undefined {
  return shortcodes.get(name);
}

/** Shortcodes that start with `prefix`, for the composer's `:` suggestions, shortest first. */
export function searchShortcodes(prefix: string, limit = 8): { name: string; emoji: string }[] {
  const p = prefix.toLowerCase();
  const out: { name: string; emoji: string }[] = [];
  for (const [name, emoji] of shortcodes) if (name.startsWith(p)) out.push({ name, emoji });
  return out.sort((a, b) => a.name.length - b.name.length || a.name.localeCompare(b.name)).slice(0, limit);
}

export interface RichTextContext {
  /** Whether `@name` (lower-cased) is a mention in this message, and of whom. */
  mention: (lowerName: string) => MentionKind | null;
  /**
   * Inside a control (a list item that is one button: pins, saved): the same formatting, but
   * links are their text and code blocks have no copy button (nothing interactive in a button).
   */
  compact?: boolean;
  /**
   * Stretches of the text to mark (search matches): [start, end) UTF-16 offsets into the text as
   * stored, drawn as <mark> over the formatted text (see markedText).
   */
  highlight?: readonly (readonly [number, number])[];
}

type LinkProps = { href?: string; title?: string; children?: ReactNode };

function plainText(children: ReactNode): string | null {
  if (typeof children === "string") return children;
  if (Array.isArray(children) && children.every((c) => typeof c === "string")) return children.join("");
  return null;
}

/** A link as written; only http(s) and mailto become anchors, anything else is its text. */
function SafeLink({ href, title, children }: LinkProps) {
  const shown = plainText(children);
  href = href?.replace(MARKERS, "");
  // A bare `www.` address: the library writes http://, we ask for https:// (sites redirect if need be).
  const raw = shown && /^www\./i.test(shown) && href === `http://${shown}` ? shown : href;
  const target = raw ? safeHref(raw) : null;
  if (!target) return <>{children}</>;
  // A link whose text is not its address says where it goes on hover.
  const sameAsText = shown !== null && (safeHref(shown) === target || safeHref(`mailto:${shown}`) === target);
  return <a href={target} target="_blank" rel={LINK_REL} title={title ?? (sameAsText ? undefined : target)}>{children}</a>;
}

/** Images are never loaded from a message: `![alt](url)` is a link to the picture. */
function ImageAsLink({ src, alt }: { src?: string; alt?: string }) {
  const label = (alt || src || "").replace(MARKERS, "");
  return <SafeLink href={src}>{label}</SafeLink>;
}

/** Headings are not part of the chat subset: `# text` stays a line starting with `#`. */
const headingAsText = (level: number) => function HeadingAsText({ children }: { children?: ReactNode }) {
  return <p>{"#".repeat(level)} {children}</p>;
};

/** A fenced code block: monospace, scrolls sideways, with a copy button. */
function CodeBlock({ children }: { children?: ReactNode }) {
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = () => {
    const text = pre.current?.textContent ?? "";
    void copyText(text).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    }, () => {});
  };
  return (
    <div className="code-block">
      <pre ref={pre} tabIndex={0}>{children}</pre>
      <button type="button" className="code-block__copy" onClick={copy} aria-label="Copy code">{copied ? "Copied" : "Copy"}</button>
    </div>
  );
}

function renderText(text: string, ctx: RichTextContext, key: string | number | undefined): ReactNode {
  const withEmoji = replaceShortcodes(text, shortcodeEmoji);
  const parts = splitMentions(withEmoji, ctx.mention);
  if (parts.length === 1 && parts[0]!.kind === "text") return withEmoji;
  return (
    <Fragment key={key}>
      {parts.map((part, i) => part.kind === "text" ? part.text : (
        <span key={i} className={`mention${part.mention === "me" ? " mention--me" : ""}`}>{part.text}</span>
      ))}
    </Fragment>
  );
}

/*
 * Highlights over formatted text. The ranges are offsets into the stored text, which Markdown then
 * reshapes (marks dropped, shortcodes become emoji), so they are carried through the parser as two
 * private characters around each marked stretch (Unicode noncharacters, which a person's text never
 * needs: any there already are replaced first, keeping the offsets). A stretch is cut down to runs
 * of letters, digits and spaces, so a marker never sits inside Markdown's own syntax (`**`, a list's
 * `- `, a shortcode's colons) and never changes how the text parses; a shortcode's name widens to
 * the whole shortcode, so the emoji is marked.
 */
const MARK_OPEN = "\uFDD0";
const MARK_CLOSE = "\uFDD1";
const MARKERS = /[\uFDD0\uFDD1]/g;
const MARKABLE = /[\p{L}\p{N}\p{M}'’ \t]+/gu;
const SHORTCODE = /:([a-z0-9_+-]{1,40}):/gi;

/** The text with markers around the marked runs of `ranges` (see above). */
export function withMarkers(text: string, ranges: readonly (readonly [number, number])[]): string {
  const clean = text.replace(MARKERS, "\uFFFD");
  const runs: [number, number][] = [];
  for (const [from, to] of ranges) {
    const part = clean.slice(Math.max(0, from), Math.min(clean.length, to));
    for (const match of part.matchAll(MARKABLE)) {
      let a = Math.max(0, from) + match.index;
      let b = a + match[0].length;
      while (a < b && /[ \t]/.test(clean[a]!)) a++;
      while (b > a && /[ \t]/.test(clean[b - 1]!)) b--;
      if (b > a) runs.push([a, b]);
    }
  }
  if (runs.length === 0) return clean;
  for (const match of clean.matchAll(SHORTCODE)) {
    if (!shortcodeEmoji(match[1]!.toLowerCase())) continue;
    const start = match.index;
    const end = start + match[0].length;
    for (const run of runs) if (run[0] < end && run[1] > start) [run[0], run[1]] = [Math.min(run[0], start), Math.max(run[1], end)];
  }
  runs.sort((x, y) => x[0] - y[0]);
  let out = "";
  let at = 0;
  for (const [a, b] of runs) {
    if (b <= at) continue;
    const from = Math.max(a, at);
    out += `${clean.slice(at, from)}${MARK_OPEN}${clean.slice(from, b)}${MARK_CLOSE}`;
    at = b;
  }
  return out + clean.slice(at);
}

/**
 * Splits the text pieces of one rendering, in document order, at the markers: whether a piece is
 * marked carries from one piece to the next (a run the parser split in two, as before `2.`).
 */
function markSplitter() {
  let inside = false;
  return (text: string): { text: string; marked: boolean }[] => {
    const first = text.search(MARKERS);
    if (first < 0) return [{ text, marked: inside }];
    // A closing marker first: this piece began inside a run, whatever came before said.
    if (text[first] === MARK_CLOSE) inside = true;
    const pieces: { text: string; marked: boolean }[] = [];
    let at = 0;
    for (const match of text.matchAll(MARKERS)) {
      if (match.index > at) pieces.push({ text: text.slice(at, match.index), marked: inside });
      inside = match[0] === MARK_OPEN;
      at = match.index + 1;
    }
    if (at < text.length) pieces.push({ text: text.slice(at), marked: inside });
    return pieces;
  };
}

type Splitter = ReturnType<typeof markSplitter>;

function renderMarked(text: string, split: Splitter, ctx: RichTextContext, key: string | number | undefined): ReactNode {
  const pieces = split(text);
  if (pieces.length === 1 && !pieces[0]!.marked) return renderText(pieces[0]!.text, ctx, key);
  return (
    <Fragment key={key}>
      {pieces.map((piece, i) => piece.marked ? <mark key={i}>{renderText(piece.text, ctx, undefined)}</mark> : renderText(piece.text, ctx, i))}
    </Fragment>
  );
}

/** Code keeps its text as typed (no emoji, no mentions); only the markers become marks. */
function renderMarkedCode(text: string, split: Splitter): ReactNode {
  return split(text).map((piece, i) => piece.marked ? <mark key={i}>{piece.text}</mark> : piece.text);
}

const overrides: MarkdownToJSX.Overrides = {
  a: SafeLink,
  img: ImageAsLink,
  pre: CodeBlock,
  h1: headingAsText(1), h2: headingAsText(2), h3: headingAsText(3),
  h4: headingAsText(4), h5: headingAsText(5), h6: headingAsText(6),
};

const compactOverrides: MarkdownToJSX.Overrides = {
  ...overrides,
  a: ({ children }: LinkProps) => <span className="richtext__link">{children}</span>,
  img: ({ alt, src }: { src?: string; alt?: string }) => <span className="richtext__link">{(alt || src || "").replace(MARKERS, "")}</span>,
  pre: ({ children }: { children?: ReactNode }) => <pre>{children}</pre>,
};

export interface RenderedText {
  node: ReactNode;
  /** 1-3 when the message is nothing but that many emoji (shown big), else 0. */
  bigEmoji: number;
}

/**
 * A message's text as React elements. The stored text is never changed: this runs at every render.
 * Options: raw HTML is not parsed (it shows as typed), no frontmatter, no wrapper element (the
 * caller's container holds the blocks).
 */
export function renderRichText(text: string, ctx: RichTextContext): RenderedText {
  const split = ctx.highlight?.length ? markSplitter() : null;
  const node = compiler(split ? withMarkers(text, ctx.highlight!) : text, {
    disableParsingRawHTML: true,
    disableFrontmatter: true,
    forceBlock: true,
    wrapper: null,
    overrides: ctx.compact ? compactOverrides : overrides,
    renderRule(next, node, _children, state) {
      if (node.type === RuleType.text) return split ? renderMarked(node.text, split, ctx, state.key) : renderText(node.text, ctx, state.key);
      if (split && node.type === RuleType.codeInline) return <code key={state.key}>{renderMarkedCode(node.text, split)}</code>;
      if (split && node.type === RuleType.codeBlock) {
        const code = <code>{renderMarkedCode(node.text, split)}</code>;
        return ctx.compact ? <pre key={state.key}>{code}</pre> : <CodeBlock key={state.key}>{code}</CodeBlock>;
      }
      return next();
    },
  });
  const count = emojiOnlyCount(replaceShortcodes(text, shortcodeEmoji));
  return { node, bigEmoji: count > 0 && count <= BIG_EMOJI_MAX ? count : 0 };
}
