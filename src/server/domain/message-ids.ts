/**
 * A message id is its time in microseconds since the epoch, as a decimal string, unique within its
 * room. Its sorted-set score is the same instant in seconds with six decimals: readable as a Unix
 * time by servers written to the seed, and exact in a double (16 significant digits).
 */
export function scoreFromMessageId(id: string): string {
  const padded = id.padStart(7, "0");
  return `${padded.slice(0, -6)}.${padded.slice(-6)}`;
}

export function messageIdFromMicros(micros: number): string {
  return String(micros);
}

/** The id for a message stored without one (by a seed server): derived from its score. */
export function messageIdFromScore(score: number): string {
  return String(Math.round(score * 1_000_000));
}
