/** The only URL schemes that become links: the web and e-mail. Everything else stays text. */
const LINK_SCHEMES = new Set(["http:", "https:", "mailto:"]);

/**
 * The href for a link written in a message, or null when it must not be a link (javascript:,
 * data:, relative paths, anything unparsable). A bare `www.` address gets `https://`.
 * Returns the URL as the browser would resolve it (WHATWG URL), so what is checked is what is opened.
 */
export function safeHref(raw: string): string | null {
  const trimmed = raw.trim();
  if (!trimmed) return null;
  let url: URL;
  try {
    url = new URL(/^www\./i.test(trimmed) ? `https://${trimmed}` : trimmed);
  } catch {
    return null;
  }
  if (!LINK_SCHEMES.has(url.protocol)) return null;
  if (url.protocol !== "mailto:" && !url.hostname) return null;
  return url.href;
}

/** Every link in a message opens in a new tab, tells the target nothing about us, and vouches for nothing. */
export const LINK_REL = "noopener noreferrer nofollow";
