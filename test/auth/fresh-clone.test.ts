import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, it } from "vitest";

/** `npm test` and `npm start` work by themselves on a fresh clone, on Node 20 without warnings. */
describe("a fresh clone", () => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string>; engines: { node: string } };
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as {
    packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }>;
  };

  it("npm test installs what is missing first (the same step as npm start), then typechecks, builds and runs the suite", () => {
    expect(pkg.scripts.test).toMatch(/^node scripts\/ensure-deps\.mjs && npm run typecheck && npm run build && vitest run$/);
    expect(readFileSync("scripts/start.mjs", "utf8")).toMatch(/from "\.\/ensure-deps\.mjs"/);
  });

  it("every locked package accepts the oldest Node the project supports (no EBADENGINE on Node 20)", () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    expect(semver.major(oldest)).toBe(20);
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
      return range && !semver.satisfies(oldest, range) ? [`${path}@${entry.version}: node ${range}`] : [];
    });
    expect(refusing).toEqual([]);
  });
});
