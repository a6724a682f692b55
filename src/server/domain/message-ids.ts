import { createHash } from "node:crypto";

/**
 * A message id is its time in microseconds since the epoch, as a decimal string, unique within its
 * room. Its sorted-set score is the same instant in seconds with six decimals: readable as a Unix
 * time by servers written to the seed, and exact in a double (16 significant digits). Ids of
 * messages a seed server stored carry a disambiguator after a '-' (see `messageIdForSeedMember`);
 * the score is the part before it.
 */
export function scoreFromMessageId(id: string): string {
  const dash = id.indexOf("-");
  const padded = (dash < 0 ? id : id.slice(0, dash)).padStart(7, "0");
  return `${padded.slice(0, -6)}.${padded.slice(-6)}`;
}

export function messageIdFromMicros(micros: number): string {
  return String(micros);
}

/**
 * The id of a message stored without one (by a seed server): its score in microseconds, '-', and
 * the first 12 hex digits of the SHA-1 of the stored member JSON. Seed servers score by whole
 * seconds, so several messages may share a score; the member differs (a sorted set holds each
 * member once), so the id does, and it is stable: every server derives the same id from the same
 * member, and the live envelope carries the same JSON text (see the bridge), so live and history agree.
 */
export function messageIdForSeedMember(score: number, member: string): string {
  const micros = Math.round(score * 1_000_000);
  return `${micros}-${createHash("sha1").update(member).digest("hex").slice(0, 12)}`;
}
