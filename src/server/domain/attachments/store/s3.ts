import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Readable } from "node:stream";
import { checkKey, type BlobStore, type ByteRange } from "./store.js";

export interface S3StoreOptions {
  /** e.g. `https://s3.eu-west-1.amazonaws.com`, `http://minio:9000`; omitted: AWS's own for the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key` (MinIO, Ceph, Garage). */
  forcePathStyle: boolean;
  /** Prepended to every key (one bucket shared by several deployments). */
  prefix?: string;
}

/** Parts in flight per upload (each PART_SIZE): what one upload may hold in memory at most. */
const QUEUE_SIZE = 2;
const PART_SIZE = 5 * 1024 * 1024;
/** Deletions in flight at once (a room's files). */
const DELETE_CONCURRENCY = 8;

/**
 * Objects in an S3-compatible bucket (`ATTACHMENT_STORE=s3`). Writes stream through
 * @aws-sdk/lib-storage's Upload (multipart past 5 MB, at most QUEUE_SIZE parts in memory; a failed
 * stream aborts it, so nothing is stored); reads stream the object's body.
 */
export class S3Store implements BlobStore {
  readonly kind = "s3";
  private readonly client: S3Client;

  constructor(private readonly options: S3StoreOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials:
        options.accessKeyId && options.secretAccessKey
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
          : undefined,
      // Checksums only where S3 requires them: several S3-compatible servers do not accept the
      // newer trailing-checksum uploads the SDK would otherwise send.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  private key(key: string): string {
    return `${this.options.prefix ?? ""}${checkKey(key)}`;
  }

  async put(key: string, body: Readable, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: this.key(key), Body: body, ContentType: contentType },
      queueSize: QUEUE_SIZE,
      partSize: PART_SIZE,
      leavePartsOnError: false,
    });
    // The SDK reads the body as it pleases; an error on the body must still fail the upload.
    let failure: Error | undefined;
    body.once("error", (err) => {
      failure = err;
      void upload.abort().catch(() => {});
    });
    try {
      await upload.done();
    } catch (err) {
      throw failure ?? err;
    }
    if (failure) {
      await this.delete([key]);
      throw failure;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    try {
      const answer = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.key(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return answer.Body as Readable;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey") return undefined;
      throw err;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    const queue = [...keys];
    const worker = async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, queue.length) }, worker));
  }

  async *list(prefix: string): AsyncIterable<string> {
    const own = this.options.prefix ?? "";
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: own + prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key.slice(own.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  close(): void {
    this.client.destroy();
  }
}
