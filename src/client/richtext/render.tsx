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
  const label = alt || src || "";
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
    void navigator.clipboard?.writeText(text).then(() => {
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
  img: ({ alt, src }: { src?: string; alt?: string }) => <span className="richtext__link">{alt || src || ""}</span>,
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
  const node = compiler(text, {
    disableParsingRawHTML: true,
    disableFrontmatter: true,
    forceBlock: true,
    wrapper: null,
    overrides: ctx.compact ? compactOverrides : overrides,
    renderRule(next, node, _children, state) {
      if (node.type === RuleType.text) return renderText(node.text, ctx, state.key);
      return next();
    },
  });
  const count = emojiOnlyCount(replaceShortcodes(text, shortcodeEmoji));
  return { node, bigEmoji: count > 0 && count <= BIG_EMOJI_MAX ? count : 0 };
}
