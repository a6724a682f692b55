import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { usePrivateRedis } from "./support/redis-server.js";

const run = promisify(execFile);
const db = usePrivateRedis();

/** `npm run demo:reset` runs the built `dist/server/demo-reset.js`. */
const demoReset = (...args: string[]) =>
  run(process.execPath, ["dist/server/demo-reset.js", ...args], { env: { ...process.env, REDIS_URL: db.redis.url } }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (err: { code: number; stderr: string }) => ({ code: err.code, output: err.stderr }),
  );


describe("npm run demo:reset", () => {
  it("wipes redis-chat's data and writes the demo data again", async () => {
    await db.raw.set("username:someone", "user:9");
    await db.raw.set("total_users", "9");
    const { code, output } = await demoReset();
    expect(code).toBe(0);
    expect(output).toMatch(/demo data/);
    expect(await db.raw.get("total_users")).toBe("4");
    expect(await db.raw.exists("username:someone")).toBe(0);
    expect(await db.raw.get("username:Alex")).toBe("user:4");
  });

  it("refuses a Redis that holds keys that are not redis-chat's, and changes nothing", async () => {
    await db.raw.set("another-app:config", "precious");
    const before = await db.raw.dbSize();
    const { code, output } = await demoReset();
    expect(code).toBe(1);
    expect(output).toMatch(/Refusing/);
    expect(output).toMatch(/another-app:config/);
    expect(await db.raw.get("another-app:config")).toBe("precious");
    expect(await db.raw.dbSize()).toBe(before);
  });

  it("wipes it anyway when told to with --force", async () => {
    const { code } = await demoReset("--force");
    expect(code).toBe(0);
    expect(await db.raw.exists("another-app:config")).toBe(0);
    expect(await db.raw.get("total_users")).toBe("4");
  });
});
