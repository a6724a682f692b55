import { describe, expect, it } from "vitest";
import { api, login } from "../support/chat-client.js";
import { chats, newPage, signIn, useBrowserStack } from "./harness.js";

/** More open rooms than one directory page (50) holds. */
const ROOMS = 57;

// Room creation limits raised so one person can make them all at once.
const env = useBrowserStack({ roomCreateRateLimit: 1000, maxRoomsPerCreator: 1000 });

describe("web client: the rooms directory", { timeout: 90_000 }, () => {
  it("loads more rooms than its first page: 'More rooms' adds the next page below, until every open room is listed", async () => {
    const joe = await login(env.stack.url, "Joe");
    for (let i = 0; i < ROOMS; i++) {
      const name = `paged-${String(i).padStart(2, "0")}`;
      const res = await api(env.stack.url, "/rooms", joe.cookie, { method: "POST", body: JSON.stringify({ name, topic: "paging" }) });
      expect(res.status, name).toBe(201);
    }
    const mary = await newPage(env.browser);
    await signIn(mary.page, env.stack.url, "Mary");
    await chats(mary.page).getByRole("button", { name: "Browse" }).click();
    const directory = mary.page.getByRole("dialog", { name: "Browse rooms" });
    const list = directory.getByRole("list", { name: "Open rooms" });
    const paged = list.getByRole("listitem").filter({ hasText: "paging" });

    // Newest activity first: the newest rooms are on the first page, the oldest are not yet.
    await directory.getByRole("button", { name: "Join paged-56" }).waitFor();
    expect(await directory.getByRole("button", { name: "Join paged-00" }).count()).toBe(0);
    const firstPage = await paged.count();
    expect(firstPage).toBeLessThan(ROOMS);

    await directory.getByRole("button", { name: "More rooms" }).click();
    await directory.getByRole("button", { name: "Join paged-00" }).waitFor();
    expect(await paged.count()).toBe(ROOMS);
    // The last page: nothing more to load.
    await directory.getByRole("button", { name: "More rooms" }).waitFor({ state: "detached" });
    // The next page went below the first, in order.
    const names = await list.locator("strong").allTextContents();
    const ours = names.filter((n) => n.startsWith("paged-"));
    expect(ours).toEqual([...ours].sort().reverse());
  });
});
