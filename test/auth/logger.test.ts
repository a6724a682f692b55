import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

/** Logs one line the way the server does, from a child process whose stdout is a pipe or a terminal. */
const program = `import { createLogger } from "./src/server/logger.ts"; createLogger("info").info({ roomId: "0" }, "redis-chat is listening");`;
const node = `${JSON.stringify(process.execPath)} --import tsx -e ${JSON.stringify(program).replace(/\$/g, "\\$")}`;

describe("the server log", () => {
  it("is one JSON object per line when stdout is not a terminal", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "-e", program]);
    const line = JSON.parse(stdout.trim());
    expect(line).toMatchObject({ level: 30, msg: "redis-chat is listening", roomId: "0", name: "redis-chat" });
  });

  it("is printed readably by pino-pretty when stdout is a terminal", async () => {
    // util-linux `script` gives the child a pseudo-terminal.
    const { stdout } = await run("script", ["-qec", node, "/dev/null"]);
    const text = stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    expect(text).toMatch(/\d\d:\d\d:\d\d\.\d{3}\] INFO: redis-chat is listening/);
    expect(text).toMatch(/roomId: "0"/);
    expect(text).not.toContain('{"level"');
  });
});
