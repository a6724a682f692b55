import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/client/**/*.test.{ts,tsx}"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own redis-server (and some start servers and Chromium): two at a time
    // fits a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ["default"],
  },
});
