import { describe, expect, it } from "vitest";
import { peopleToFetch } from "./peopleNames.js";

describe("the senders a list of messages fetches", () => {
  const known = (id: number) => id === 1 || id === 2;

  it("are the unknown ones, each once, in one batch", () => {
    expect(peopleToFetch([1, 7, 9, 7, 2, 9, 12], known, new Set())).toEqual([7, 9, 12]);
  });

  it("leave out those asked for already and ids that are not people", () => {
    expect(peopleToFetch([7, 9, 0, -3, 12], known, new Set([9]))).toEqual([7, 12]);
  });

  it("stop at one request's worth", () => {
    expect(peopleToFetch(Array.from({ length: 800 }, (_, i) => i + 10), known, new Set(), 500)).toHaveLength(500);
  });
});
