import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { emojibaseData } from "./build/emojibase-data.js";

const root = fileURLToPath(new URL(".", import.meta.url));
const api = "http://127.0.0.1:3000";
const proxied = ["/login", "/logout", "/me", "/users", "/rooms", "/room", "/links", "/randomname", "/stream", "/healthz"];

export default defineConfig({
  root,
  plugins: [react(), emojibaseData()],
  build: {
    outDir: "../../dist/client",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      ...Object.fromEntries(proxied.map((path) => [path, { target: api, changeOrigin: false }])),
      "/socket.io": { target: api, ws: true },
    },
  },
});
