import { useEffect, useSyncExternalStore } from "react";
import type { RichTextContext } from "./render.js";

type Renderer = typeof import("./render.js");

/**
 * The rich-text renderer (markdown-to-jsx and the emoji table, ~45 KB gzipped) is a chunk of its
 * own, fetched right after sign-in, so the first load stays small. Until it is there a message
 * shows as the plain text it is.
 */
let renderer: Renderer | null = null;
let loading: Promise<Renderer> | null = null;
const listeners = new Set<() => void>();

export function loadRichText(): Promise<Renderer> {
  loading ??= import("./render.js").then((mod) => {
    renderer = mod;
    for (const listener of listeners) listener();
    return mod;
  }, (error: unknown) => {
    loading = null;
    throw error;
  });
  return loading;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useRichTextRenderer(): Renderer | null {
  const current = useSyncExternalStore(subscribe, () => renderer, () => renderer);
  useEffect(() => {
    if (!current) loadRichText().catch(() => {});
  }, [current]);
  return current;
}

const NO_MENTIONS: RichTextContext = { mention: () => null };

/** A message's text: Markdown subset, links, emoji, mentions; plain text until the renderer is loaded. */
export function RichText({ text, context = NO_MENTIONS, className = "" }: { text: string; context?: RichTextContext; className?: string }) {
  const r = useRichTextRenderer();
  if (!r) return <div className={`richtext richtext--plain ${className}`}>{text}</div>;
  const { node, bigEmoji } = r.renderRichText(text, context);
  return <div className={`richtext${bigEmoji ? " richtext--big" : ""} ${className}`}>{node}</div>;
}
