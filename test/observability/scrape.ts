/** Prometheus text exposition -> `name{labels}` -> value (comments and blank lines skipped). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const cut = line.lastIndexOf(" ");
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** GET a metrics URL (optionally with a bearer token) and parse it; throws on a non-200. */
export async function scrape(url: string, token?: string): Promise<Map<string, number>> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (res.status !== 200) throw new Error(`scrape ${url}: ${res.status}`);
  return parseMetrics(await res.text());
}

/** A sample's value, 0 when absent. */
export const value = (metrics: Map<string, number>, sample: string) => metrics.get(sample) ?? 0;
