import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** What a malware scan says of a file. `error`: the scanner failed (files are then refused: fail closed). */
export type ScanVerdict = { status: "clean" } | { status: "infected"; detail: string } | { status: "error"; detail: string };

/** Checks a file before anyone else may see it (ATTACHMENT_SCAN_COMMAND or ATTACHMENT_SCAN_CLAMD). */
export interface Scanner {
  scan(file: Readable): Promise<ScanVerdict>;
}

const SCAN_TIMEOUT_MS = 120_000;

/**
 * Runs a command on the file (written to a temporary file, whose path is its last argument):
 * exit 0 = clean, 1 = infected (clamscan's and most scanners' convention), anything else = error.
 */
export class CommandScanner implements Scanner {
  constructor(private readonly command: string) {}

  async scan(file: Readable): Promise<ScanVerdict> {
    const path = join(tmpdir(), `redis-chat-scan-${randomBytes(8).toString("hex")}`);
    try {
      await pipeline(file, createWriteStream(path, { mode: 0o600 }));
      // The path travels as "$1", never spliced into the command line.
      const child = spawn("/bin/sh", ["-c", `${this.command} "$1"`, "scan", path], { stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-500));
      child.stdout.on("data", keep);
      child.stderr.on("data", keep);
      const timer = setTimeout(() => child.kill("SIGKILL"), SCAN_TIMEOUT_MS);
      const code = await new Promise<number | null>((resolve) => {
        child.on("error", () => resolve(null));
        child.on("close", (exit) => resolve(exit));
      });
      clearTimeout(timer);
      // The temporary path means nothing to whoever reads the verdict (the audit log): "file" instead.
      output = output.split(path).join("file");
      if (code === 0) return { status: "clean" };
      if (code === 1) return { status: "infected", detail: output.trim() || "infected" };
      return { status: "error", detail: `scan command exited with ${code}: ${output.trim()}` };
    } finally {
      await rm(path, { force: true });
    }
  }
}

/**
 * Streams the file to clamd (INSTREAM: length-prefixed chunks, a zero length ends it) over a
 * Unix socket or `tcp://host:port`, and reads its verdict (`stream: OK` / `stream: <name> FOUND`).
 */
export class ClamdScanner implements Scanner {
  constructor(private readonly address: string) {}

  async scan(file: Readable): Promise<ScanVerdict> {
    const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(this.address);
    const socket = tcp ? connect({ host: tcp[1]!, port: Number(tcp[2]) }) : connect({ path: this.address });
    socket.setTimeout(SCAN_TIMEOUT_MS, () => socket.destroy(new Error("clamd timed out")));
    const answer = new Promise<string>((resolve, reject) => {
      let reply = "";
      socket.on("data", (chunk) => (reply += chunk.toString()));
      socket.on("end", () => resolve(reply));
      socket.on("error", reject);
    });
    // Awaited only once the file is sent: a connection that fails first must not go unhandled.
    answer.catch(() => {});
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
      });
      socket.write("zINSTREAM\0");
      for await (const chunk of file as AsyncIterable<Buffer>) {
        const length = Buffer.alloc(4);
        length.writeUInt32BE(chunk.length);
        if (!socket.write(Buffer.concat([length, chunk]))) await new Promise((r) => socket.once("drain", r));
      }
      socket.end(Buffer.alloc(4));
      const reply = (await answer).replace(/\0/g, "").trim();
      if (/:\s*OK$/.test(reply)) return { status: "clean" };
      const found = /:\s*(.+)\s+FOUND$/.exec(reply);
      if (found) return { status: "infected", detail: found[1]! };
      return { status: "error", detail: `clamd answered: ${reply.slice(0, 200)}` };
    } catch (err) {
      return { status: "error", detail: `clamd: ${(err as Error).message}` };
    } finally {
      socket.destroy();
    }
  }
}

export function createScanner(config: { scanCommand?: string; scanClamd?: string }): Scanner | undefined {
  if (config.scanCommand) return new CommandScanner(config.scanCommand);
  if (config.scanClamd) return new ClamdScanner(config.scanClamd);
  return undefined;
}
