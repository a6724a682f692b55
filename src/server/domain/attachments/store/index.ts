import { resolve } from "node:path";
import type { AttachmentConfig } from "../../../config.js";
import { LocalStore } from "./local.js";
import { S3Store } from "./s3.js";
import type { BlobStore } from "./store.js";

export type { BlobStore, ByteRange } from "./store.js";

/** The store the configuration names (ATTACHMENT_STORE). */
export function createBlobStore(config: AttachmentConfig, kind: "local" | "s3" = config.store): BlobStore {
  if (kind === "local") return new LocalStore(resolve(config.dir));
  if (!config.s3.bucket) throw new Error("ATTACHMENT_S3_BUCKET is not set");
  return new S3Store({ ...config.s3, bucket: config.s3.bucket });
}
