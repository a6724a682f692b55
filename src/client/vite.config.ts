import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const api = "http://127.0.0.1:3000";
const proxied = ["/login", "/logout", "/me", "/users", "/rooms", "/room", "/links", "/randomname", "/stream", "/healthz"];

export default defineConfig({
  root,
  plugins: [react()],
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
