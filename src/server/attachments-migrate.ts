import { ConfigError, loadConfig } from "./config.js";
import { createBlobStore } from "./domain/attachments/store/index.js";
import { migrateStore } from "./domain/attachments/store/migrate.js";

/**
 * `npm run attachments:migrate -- --from local --to s3`: copies every stored file (attachments,
 * thumbnails, profile pictures) from one store to the other, both configured by the usual
 * environment (ATTACHMENT_DIR and ATTACHMENT_S3_*). Redis needs no change: records name files by
 * key, whatever the store. Then set ATTACHMENT_STORE to the new store and restart. Safe to run
 * again; the source is left as it was (remove it by hand once the new store serves).
 */
async function main(): Promise<number> {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name);
    return at >= 0 ? process.argv[at + 1] : undefined;
  };
  const from = arg("--from");
  const to = arg("--to");
  const valid = (kind: string | undefined): kind is "local" | "s3" => kind === "local" || kind === "s3";
  if (!valid(from) || !valid(to) || from === to) {
    console.error("usage: npm run attachments:migrate -- --from local --to s3   (or --from s3 --to local)");
    return 2;
  }
  const config = loadConfig();
  const source = await createBlobStore(config.attachments, from);
  const target = await createBlobStore(config.attachments, to);
  let shown = 0;
  const { copied } = await migrateStore(source, target, (key) => {
    if (++shown % 100 === 0) console.log(`${shown} files copied (last: ${key})`);
  });
  console.log(`attachments:migrate: copied ${copied} files from ${from} to ${to}; now set ATTACHMENT_STORE=${to} and restart`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
