import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderEventsMarkdown } from "../../scripts/events-doc.js";

describe("docs/events.md", () => {
  it("is what scripts/events-doc.ts renders from the protocol's schemas (run `npm run docs:events` after changing them)", () => {
    expect(readFileSync(new URL("../../docs/events.md", import.meta.url), "utf8")).toBe(renderEventsMarkdown());
  });
});
