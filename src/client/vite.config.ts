import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { emojibaseData } from "./build/emojibase-data.js";
import { serviceWorkerShell } from "./sw-build.js";

const root = fileURLToPath(new URL(".", import.meta.url));
const api = "http://127.0.0.1:3000";
const proxied = ["/push", "/notifications", "/login", "/logout", "/me", "/users", "/rooms", "/room", "/links", "/randomname", "/stream", "/healthz"];

export default defineConfig({
  root,
  plugins: [react(), serviceWorkerShell(), emojibaseData()],
  build: {
    outDir: "../../dist/client",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    // The service worker is a second entry, emitted at /sw.js (scope /) without a hash.
    rolldownOptions: {
      input: { index: fileURLToPath(new URL("index.html", import.meta.url)), sw: fileURLToPath(new URL("sw/sw.ts", import.meta.url)) },
      output: { entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js") },
    },
  },
  server: {
    proxy: {
      ...Object.fromEntries(proxied.map((path) => [path, { target: api, changeOrigin: false }])),
      "/socket.io": { target: api, ws: true },
    },
  },
});
