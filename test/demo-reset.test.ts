import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { startRedis, type RedisServerHandle } from "./support/redis-server.js";

const run = promisify(execFile);
let redis: RedisServerHandle;
let raw: ReturnType<typeof createClient>;

/** `npm run demo:reset` runs the built `dist/server/demo-reset.js`. */
const demoReset = (...args: string[]) =>
  run(process.execPath, ["dist/server/demo-reset.js", ...args], { env: { ...process.env, REDIS_URL: redis.url } }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (err: { code: number; stderr: string }) => ({ code: err.code, output: err.stderr }),
  );

beforeAll(async () => {
  redis = await startRedis();
  raw = createClient({ url: redis.url });
  await raw.connect();
});
afterAll(async () => {
  await raw?.close();
  await redis?.kill();
});

describe("npm run demo:reset", () => {
  it("wipes redis-chat's data and writes the demo data again", async () => {
    await raw.set("username:someone", "user:9");
    await raw.set("total_users", "9");
    const { code, output } = await demoReset();
    expect(code).toBe(0);
    expect(output).toMatch(/demo data/);
    expect(await raw.get("total_users")).toBe("4");
    expect(await raw.exists("username:someone")).toBe(0);
    expect(await raw.get("username:Alex")).toBe("user:4");
  });

  it("refuses a Redis that holds keys that are not redis-chat's, and changes nothing", async () => {
    await raw.set("another-app:config", "precious");
    const before = await raw.dbSize();
    const { code, output } = await demoReset();
    expect(code).toBe(1);
    expect(output).toMatch(/Refusing/);
    expect(output).toMatch(/another-app:config/);
    expect(await raw.get("another-app:config")).toBe("precious");
    expect(await raw.dbSize()).toBe(before);
  });

  it("wipes it anyway when told to with --force", async () => {
    const { code } = await demoReset("--force");
    expect(code).toBe(0);
    expect(await raw.exists("another-app:config")).toBe(0);
    expect(await raw.get("total_users")).toBe("4");
  });
});
