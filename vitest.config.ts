import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "server",
          include: ["test/**/*.test.ts", "src/client/**/*.test.{ts,tsx}"],
          exclude: ["test/e2e/**", "**/node_modules/**"],
          // Each file starts its own redis-server (and some start several servers): two at a time
          // fits a 2-core machine.
          maxWorkers: 2,
          fileParallelism: true,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: ["test/e2e/**/*.test.ts"],
          // Chromium, a server and a redis-server per file, and tests of timing (typing that
          // expires, restarts, reconnections): one file at a time, after the rest, so a 2-core
          // machine is not shared with another file's browser.
          fileParallelism: false,
          // Two browser contexts signing in, then waits of several seconds by design (a typing
          // indicator that expires after 6 s): 30 s is too tight on a loaded 2-core machine.
          testTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
