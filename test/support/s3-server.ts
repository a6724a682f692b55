import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { freePort } from "./redis-server.js";

export interface S3ServerHandle {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  close(): Promise<void>;
}

/**
 * A local S3-compatible server (s3rver) on a free loopback port with one empty bucket, for one
 * test file; its data lives in a temporary folder removed on close.
 */
export async function startS3Server(bucket = "chat-files"): Promise<S3ServerHandle> {
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), "s3rver-"));
  const server = new S3rver({ port, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    // s3rver's fixed credentials.
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
