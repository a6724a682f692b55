/**
 * open-graph-scraper (and the HTML parser under it: some 25 MB of memory) is loaded with the first
 * page to read, not at start-up: link previews may be off, or links rare.
 */
const importScraper = () => import("open-graph-scraper").then((m) => m.default);
let scraper: ReturnType<typeof importScraper> | undefined;
const loadScraper = () => (scraper ??= importScraper());

/** What a page says about itself, before its image is fetched. */
export interface PageMetadata {
  title?: string;
  description?: string;
  site?: string;
  /** Absolute http(s) URL of the page's preview image (og:image, twitter:image). */
  imageUrl?: string;
}

const LIMITS = { title: 200, description: 400, site: 100 } as const;

/**
 * Reads Open Graph / Twitter card / HTML metadata with open-graph-scraper, fed the HTML we fetched
 * through the guard (ogs never fetches anything itself here). Texts are collapsed to one line and
 * cut to a card's length; relative image URLs are resolved against the page's URL.
 */
export async function scrapeMetadata(html: string, pageUrl: string): Promise<PageMetadata> {
  const ogs = await loadScraper();
  const { result } = await ogs({ html });
  const metadata: PageMetadata = {};
  const title = clean(result.ogTitle ?? result.twitterTitle, LIMITS.title);
  const description = clean(result.ogDescription ?? result.twitterDescription, LIMITS.description);
  const site = clean(result.ogSiteName, LIMITS.site) ?? new URL(pageUrl).hostname;
  if (title) metadata.title = title;
  if (description) metadata.description = description;
  metadata.site = site;
  const image = result.ogImage?.[0]?.url ?? result.twitterImage?.[0]?.url;
  if (image) {
    try {
      const absolute = new URL(image, pageUrl);
      if (absolute.protocol === "http:" || absolute.protocol === "https:") metadata.imageUrl = absolute.href;
    } catch {
      // not a URL: no image
    }
  }
  return metadata;
}

/** One line of plain text, at most `max` code points, or undefined when empty. */
function clean(text: string | undefined, max: number): string | undefined {
  if (!text) return undefined;
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim();
  if (!line) return undefined;
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join("")}…`;
}
