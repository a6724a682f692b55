/**
 * A mergeable log-linear latency histogram (HDR-like): values in microseconds, 64 sub-buckets per
 * power of two, so every percentile is within ~1.6 % of the true value. Counts live in one
 * Uint32Array, which crosses process boundaries cheaply (IPC with `serialization: "advanced"`).
 */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64
const MAX_POW = 32; // 2^32 us ~ 71 minutes
export const HISTOGRAM_SIZE = (MAX_POW + 1) * SUB;

export interface HistogramData {
  counts: Uint32Array;
  count: number;
  maxUs: number;
  sumUs: number;
}

export function createHistogram(): HistogramData {
  return { counts: new Uint32Array(HISTOGRAM_SIZE), count: 0, maxUs: 0, sumUs: 0 };
}

function bucketOf(us: number): number {
  if (us < SUB) return us < 0 ? 0 : Math.floor(us);
  if (us >= 2 ** 31) return HISTOGRAM_SIZE - 1;
  const pow = 31 - Math.clz32(Math.floor(us)); // >= SUB_BITS
  const shift = pow - SUB_BITS;
  const sub = Math.floor(us / 2 ** shift) - SUB; // 0..SUB-1
  const index = (shift + 1) * SUB + sub;
  return index < HISTOGRAM_SIZE ? index : HISTOGRAM_SIZE - 1;
}

/** The upper bound (microseconds) of a bucket, the value reported for a percentile. */
function bucketUpper(index: number): number {
  if (index < SUB) return index + 1;
  const shift = Math.floor(index / SUB) - 1;
  const sub = index % SUB;
  return (SUB + sub + 1) * 2 ** shift;
}

export function recordUs(h: HistogramData, us: number): void {
  h.counts[bucketOf(us)]! += 1;
  h.count += 1;
  h.sumUs += us;
  if (us > h.maxUs) h.maxUs = us;
}

export function recordMs(h: HistogramData, ms: number): void {
  recordUs(h, ms * 1000);
}

export function mergeInto(target: HistogramData, source: HistogramData): void {
  for (let i = 0; i < HISTOGRAM_SIZE; i++) target.counts[i]! += source.counts[i]!;
  target.count += source.count;
  target.sumUs += source.sumUs;
  if (source.maxUs > target.maxUs) target.maxUs = source.maxUs;
}

export function resetHistogram(h: HistogramData): void {
  h.counts.fill(0);
  h.count = 0;
  h.maxUs = 0;
  h.sumUs = 0;
}

export interface LatencySummary {
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  maxMs: number | null;
}

export function percentileUs(h: HistogramData, p: number): number | null {
  if (h.count === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * h.count));
  let seen = 0;
  for (let i = 0; i < HISTOGRAM_SIZE; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return Math.min(bucketUpper(i), h.maxUs);
  }
  return h.maxUs;
}

const ms = (us: number | null): number | null => (us === null ? null : Math.round(us) / 1000);

export function summarize(h: HistogramData): LatencySummary {
  return {
    count: h.count,
    meanMs: h.count ? ms(h.sumUs / h.count) : null,
    p50Ms: ms(percentileUs(h, 50)),
    p90Ms: ms(percentileUs(h, 90)),
    p99Ms: ms(percentileUs(h, 99)),
    p999Ms: ms(percentileUs(h, 99.9)),
    maxMs: h.count ? ms(h.maxUs) : null,
  };
}
