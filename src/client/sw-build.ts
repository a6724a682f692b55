import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { Plugin } from "vite";

/** Every file under `dir`, as site paths (`/icons/icon-192.png`). */
function publicFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `/${relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/")}`);
  } catch {
    return [];
  }
}

/**
 * Builds the service worker as its own entry (`sw` in vite.config.ts) at `/sw.js`, not hashed (its
 * URL is its identity), and writes the app shell into it: the list of files to cache offline
 * (every emitted file but source maps and the worker itself, the public directory's files, and
 * `/`) and a version derived from that list, so each build with new files installs a new worker
 * and drops the old cache. Runs last (`enforce: "post"`), once index.html is in the bundle.
 */
export function serviceWorkerShell(): Plugin {
  let publicDir = "";
  return {
    name: "redis-chat-service-worker-shell",
    apply: "build",
    enforce: "post",
    configResolved(config) {
      publicDir = config.publicDir;
    },
    generateBundle(_options, bundle) {
      const sw = Object.values(bundle).find((file) => file.type === "chunk" && file.name === "sw");
      if (!sw || sw.type !== "chunk") return;
      const files = Object.keys(bundle)
        // The emoji picker's data (emojibase/, ~350 KB) is fetched on first use and kept by the picker itself.
        .filter((name) => name !== sw.fileName && !name.endsWith(".map") && !name.startsWith(".") && !name.startsWith("emojibase/"))
        .map((name) => `/${name}`)
        .sort();
      const shell = [...new Set(["/", "/index.html", ...files, ...publicFiles(publicDir)])];
      const version = createHash("sha256").update(shell.join(",")).digest("hex").slice(0, 12);
      sw.code = sw.code.replaceAll("__SHELL_FILES__", shell.join(",")).replaceAll("__SHELL_VERSION__", version);
    },
  };
}
