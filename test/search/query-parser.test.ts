import { describe, expect, it } from "vitest";
import { matchMessage, parseQuery, QueryError } from "../../src/server/domain/search/query.js";
import { HAS_FILE_TERM, HAS_LINK_TERM } from "../../src/server/domain/search/text.js";

const file = (type: string, name = "x") => ({ id: "a".repeat(22), name, type, size: 1 });

describe("the search query parser", () => {
  it("reads has:link, has:file and has:image in either number (a file is also an attachment), any case", () => {
    for (const [q, has] of [
      ["has:link", "link"], ["has:links", "link"], ["HAS:Link", "link"],
      ["has:file", "file"], ["has:files", "file"], ["has:attachment", "file"], ["has:attachments", "file"],
      ["has:image", "image"], ["has:images", "image"], ["has:IMAGES", "image"],
    ] as const) {
      expect(parseQuery(q).has, q).toEqual({ link: has === "link", file: has === "file", image: has === "image" });
    }
  });

  it("looks has:image up in the files' postings (images have none of their own), asking the index for images only", () => {
    const images = { term: HAS_FILE_TERM, prefix: false, imagesOnly: true };
    expect(parseQuery("has:image").terms).toEqual([images]);
    expect(parseQuery("plan has:images has:file").terms).toEqual([{ term: "plan", prefix: true }, images]);
    expect(parseQuery("plan", { has: "image" }).terms).toEqual([{ term: "plan", prefix: true }, images]);
    expect(parseQuery("has:files").terms).toEqual([{ term: HAS_FILE_TERM, prefix: false }]);
    expect(parseQuery("has:links").terms).toEqual([{ term: HAS_LINK_TERM, prefix: false }]);
  });

  it("refuses any other has: value, naming the values it takes", () => {
    for (const q of ["has:pin", "has:imagery", "has:toString", "has:__proto__"]) {
      expect(() => parseQuery(q), q).toThrow(QueryError);
      expect(() => parseQuery(q), q).toThrow(/^has: takes link, file or image, not "/);
    }
  });

  it("has:image keeps a message with a raster image among its files, not one with other files only", () => {
    const query = parseQuery("has:image");
    expect(matchMessage(query, { message: "", attachments: [file("image/png")] })).toEqual([]);
    expect(matchMessage(query, { message: "", attachments: [file("text/plain"), file("image/webp")] })).toEqual([]);
    expect(matchMessage(query, { message: "", attachments: [file("application/pdf")] })).toBeUndefined();
    // An SVG is stored as a download (application/octet-stream), never as an image.
    expect(matchMessage(query, { message: "", attachments: [file("application/octet-stream", "logo.svg")] })).toBeUndefined();
    expect(matchMessage(query, { message: "a picture, honest" })).toBeUndefined();
    // has:file alone still keeps every message with a file.
    expect(matchMessage(parseQuery("has:file"), { message: "", attachments: [file("application/pdf")] })).toEqual([]);
  });

  it("reads in:#room and in:\"a name\" without the # or quotes", () => {
    expect(parseQuery("in:#ops deploy").inRoomName).toBe("ops");
    expect(parseQuery('in:"release train"').inRoomName).toBe("release train");
  });

  it("keeps an in: slug as typed (the search reads its hyphens as spaces only when no room has that very name)", () => {
    expect(parseQuery("in:#design-team deploy").inRoomName).toBe("design-team");
    expect(parseQuery("in:design_team.v2").inRoomName).toBe("design_team.v2");
  });
});
