import { describe, expect, it } from "vitest";
import { scrapeMetadata } from "../../src/server/integrations/link-previews/scrape.js";

describe("link preview metadata (open-graph-scraper on HTML we fetched)", () => {
  it("takes Open Graph tags first, resolves a relative image against the page, and names the site", async () => {
    const html = `<html><head><title>Page title</title>
      <meta property="og:title" content="OG title"><meta property="og:description" content="OG description">
      <meta property="og:site_name" content="Example Site"><meta property="og:image" content="/img/card.png"></head></html>`;
    expect(await scrapeMetadata(html, "https://example.com/posts/1")).toEqual({
      title: "OG title", description: "OG description", site: "Example Site", imageUrl: "https://example.com/img/card.png",
    });
  });

  it("falls back to the page's <title> and description, and to its host for the site", async () => {
    const html = `<html><head><title>Plain page</title><meta name="description" content="Said in the meta description"></head></html>`;
    expect(await scrapeMetadata(html, "https://docs.example.org/a")).toEqual({
      title: "Plain page", description: "Said in the meta description", site: "docs.example.org",
    });
  });

  it("keeps texts to one line and a card's length, and drops images that are not http(s)", async () => {
    const long = "word ".repeat(200);
    const html = `<html><head><meta property="og:title" content="Line one&#10;line\ttwo">
      <meta property="og:description" content="${long}"><meta property="og:image" content="javascript:alert(1)"></head></html>`;
    const metadata = await scrapeMetadata(html, "https://example.com/");
    expect(metadata.title).toBe("Line one line two");
    expect([...metadata.description!].length).toBe(400);
    expect(metadata.description!.endsWith("…")).toBe(true);
    expect(metadata.imageUrl).toBeUndefined();
  });
});
