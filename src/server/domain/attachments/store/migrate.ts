import type { BlobStore } from "./store.js";

/** Content type for objects copied by migrateStore (the served type comes from Redis, not the store). */
const COPIED_TYPE = "application/octet-stream";

/**
 * Copies every object of `from` into `to` (streamed, one at a time), for moving a deployment from
 * one store to the other (`npm run attachments:migrate`). Idempotent: run it again after an
 * interruption. `from` is left as it was.
 */
export async function migrateStore(
  from: BlobStore,
  to: BlobStore,
  onCopied: (key: string) => void = () => {},
): Promise<{ copied: number }> {
  let copied = 0;
  for await (const key of from.list("")) {
    const body = await from.get(key);
    if (!body) continue; // removed meanwhile
    await to.put(key, body, COPIED_TYPE);
    copied++;
    onCopied(key);
  }
  return { copied };
}
