import { resolve } from "node:path";
import type { AttachmentConfig } from "../../../config.js";
import { LocalStore } from "./local.js";
import type { BlobStore } from "./store.js";

export type { BlobStore, ByteRange } from "./store.js";

/**
 * The store the configuration names (ATTACHMENT_STORE). The S3 client (the AWS SDK: some 20 MB of
 * memory once loaded) is loaded only when it is the one.
 */
export async function createBlobStore(config: AttachmentConfig, kind: "local" | "s3" = config.store): Promise<BlobStore> {
  if (kind === "local") return new LocalStore(resolve(config.dir));
  if (!config.s3.bucket) throw new Error("ATTACHMENT_S3_BUCKET is not set");
  const { S3Store } = await import("./s3.js");
  return new S3Store({ ...config.s3, bucket: config.s3.bucket });
}
