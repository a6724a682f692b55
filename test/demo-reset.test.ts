import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { usePrivateRedis } from "./support/redis-server.js";

const run = promisify(execFile);
const db = usePrivateRedis();
const attachmentDir = mkdtempSync(join(tmpdir(), "demo-reset-files-"));
afterAll(() => rmSync(attachmentDir, { recursive: true, force: true }));

/** `npm run demo:reset` runs the built `dist/server/demo-reset.js`. */
const demoReset = (...args: string[]) =>
  run(process.execPath, ["dist/server/demo-reset.js", ...args], { env: { ...process.env, REDIS_URL: db.redis.url, ATTACHMENT_STORE: "local", ATTACHMENT_DIR: attachmentDir } }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (err: { code: number; stderr: string }) => ({ code: err.code, output: err.stderr }),
  );


describe("npm run demo:reset", () => {
  it("wipes redis-chat's data, the rooms' files and people's pictures, and writes the demo data again", async () => {
    await db.raw.set("username:someone", "user:9");
    await db.raw.set("total_users", "9");
    mkdirSync(join(attachmentDir, "rooms", "0"), { recursive: true });
    writeFileSync(join(attachmentDir, "rooms", "0", "A".repeat(22)), "a file of the old data");
    writeFileSync(join(attachmentDir, "unrelated.txt"), "not a room's file");
    mkdirSync(join(attachmentDir, "avatars", "2"), { recursive: true });
    writeFileSync(join(attachmentDir, "avatars", "2", "abc-64.webp"), "a picture of the old data");
    const { code, output } = await demoReset();
    expect(code).toBe(0);
    expect(existsSync(join(attachmentDir, "rooms", "0", "A".repeat(22)))).toBe(false);
    expect(existsSync(join(attachmentDir, "unrelated.txt"))).toBe(true);
    expect(existsSync(join(attachmentDir, "avatars", "2", "abc-64.webp"))).toBe(false);
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
