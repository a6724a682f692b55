import { createServer, type Server } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClamdScanner, CommandScanner } from "../../src/server/domain/attachments/scan.js";

/**
 * A stand-in for clamd that speaks its INSTREAM protocol (`zINSTREAM\0`, chunks prefixed with
 * their 4-byte length, a zero length to end) and finds "EICAR" in what it is sent. No clamd is
 * installed here; the framing is what this test checks.
 */
function fakeClamd(path: string): Promise<Server> {
  const server = createServer((socket) => {
    let data = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      const command = "zINSTREAM\0";
      if (data.length < command.length) return;
      if (data.subarray(0, command.length).toString() !== command) return socket.end("UNKNOWN COMMAND\0");
      let at = command.length;
      const content: Buffer[] = [];
      while (data.length >= at + 4) {
        const length = data.readUInt32BE(at);
        if (length === 0) {
          const found = Buffer.concat(content).includes("EICAR");
          return socket.end(found ? "stream: Eicar-Test-Signature FOUND\0" : "stream: OK\0");
        }
        if (data.length < at + 4 + length) return;
        content.push(data.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      }
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

describe("malware scanners", () => {
  let dir: string;
  let clamd: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "scan-"));
    clamd = await fakeClamd(join(dir, "clamd.sock"));
  });
  afterAll(async () => {
    await new Promise((r) => clamd.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("clamd: streams the file in length-prefixed chunks and reads OK or FOUND", async () => {
    const scanner = new ClamdScanner(join(dir, "clamd.sock"));
    const big = Readable.from([Buffer.alloc(100_000, 1), Buffer.alloc(100_000, 2)]);
    expect(await scanner.scan(big)).toEqual({ status: "clean" });
    expect(await scanner.scan(Readable.from([Buffer.from("X5O!P%@AP EICAR test")]))).toEqual({ status: "infected", detail: "Eicar-Test-Signature" });
  });

  it("clamd that cannot be reached is an error (the upload is then refused with 503), not a pass", async () => {
    const verdict = await new ClamdScanner(join(dir, "nobody.sock")).scan(Readable.from([Buffer.from("x")]));
    expect(verdict.status).toBe("error");
  });

  it("a command: exit 0 passes, 1 is infected, anything else is an error; the path is passed safely", async () => {
    expect(await new CommandScanner("test -f").scan(Readable.from([Buffer.from("x")]))).toEqual({ status: "clean" });
    expect(await new CommandScanner("echo found; false").scan(Readable.from([Buffer.from("x")]))).toMatchObject({ status: "infected" });
    expect(await new CommandScanner("exit 2; echo").scan(Readable.from([Buffer.from("x")]))).toMatchObject({ status: "error" });
  });

  it("a command's finding names the file \"file\", not the temporary path it was scanned at", async () => {
    const verdict = await new CommandScanner(`sh -c 'echo "$0: Test.Marker FOUND"; exit 1'`).scan(Readable.from([Buffer.from("x")]));
    expect(verdict).toEqual({ status: "infected", detail: "file: Test.Marker FOUND" });
  });
});
