import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Plugin } from "vite";

/** Where the emoji picker (frimousse) fetches its data: same origin, as the CSP requires. */
export const EMOJIBASE_PATH = "/emojibase";

const require = createRequire(import.meta.url);

interface EmojibaseEmoji {
  label: string; emoji: string; group?: number; subgroup?: number; version: number; tags?: string[];
  skins?: { emoji: string; tone: number | number[] }[];
}

/**
 * emojibase-data's English dataset, trimmed to the fields frimousse reads (emoji, label, tags,
 * group, subgroup, version, skins' emoji and tone): 435 KB instead of 775 KB. Fetched once, when
 * someone first opens the picker; frimousse then keeps it in localStorage.
 */
function files(): Record<string, string> {
  const data = JSON.parse(readFileSync(require.resolve("emojibase-data/en/data.json"), "utf8")) as EmojibaseEmoji[];
  const slim = data.map(({ label, emoji, group, subgroup, version, tags, skins }) => ({
    label, emoji, group, subgroup, version, tags,
    ...(skins ? { skins: skins.map(({ emoji: e, tone }) => ({ emoji: e, tone })) } : {}),
  }));
  return {
    "en/data.json": JSON.stringify(slim),
    "en/messages.json": readFileSync(require.resolve("emojibase-data/en/messages.json"), "utf8"),
  };
}

/** Emits the emoji data under `/emojibase/en/` in the build, and serves it in `vite dev`. */
export function emojibaseData(): Plugin {
  let cache: Record<string, string> | null = null;
  const get = () => (cache ??= files());
  return {
    name: "emojibase-data",
    generateBundle() {
      for (const [name, source] of Object.entries(get())) {
        this.emitFile({ type: "asset", fileName: `${EMOJIBASE_PATH.slice(1)}/${name}`, source });
      }
    },
    configureServer(server) {
      server.middlewares.use(EMOJIBASE_PATH, (req, res, next) => {
        const body = get()[(req.url ?? "").replace(/^\//, "").split("?")[0]!];
        if (!body) return next();
        res.setHeader("content-type", "application/json");
        res.end(body);
      });
    },
  };
}
