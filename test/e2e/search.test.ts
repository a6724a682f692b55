import { describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { api, login } from "../support/chat-client.js";
import { png, upload } from "../attachments/support.js";
import { axeViolations } from "./axe.js";
import { messageList, newPage, signIn, useBrowserStack } from "./harness.js";

const SHOTS = process.env.SCREENSHOT_DIR;
const env = useBrowserStack();

/** Opens search as a person would: Ctrl+K on a desktop, the button on a phone. Answers its box, focused. */
async function openSearch(page: Page, phone = false): Promise<Locator> {
  if (phone) await page.getByRole("button", { name: "Search messages" }).click();
  else await page.keyboard.press("Control+K");
  const box = page.getByRole("combobox", { name: "Search messages" });
  await box.waitFor();
  return box;
}

/** Posts in General as Joe: the message to find, older than a screenful of others. */
async function seed(url: string): Promise<string> {
  const joe = await login(url, "Joe");
  const post = (message: string) => api(url, "/room/0/messages", joe.cookie, { method: "POST", body: JSON.stringify({ message }) });
  const target = (await post("Déjà vu: the deploy of Friday is done, see https://status.example.com")).body.id as string;
  for (let i = 0; i < 40; i++) await post(`filler message ${i}`);
  await post("next deployment window is Monday");
  return target;
}

describe("web client: message search and permalinks", () => {
  let target: string;

  it("Ctrl+K searches, marks the matched words, and Enter opens the message in its room", async () => {
    target = await seed(env.stack.url);
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const { context, page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Pablo");
      // Desktop opens with Ctrl+K, the phone with the button; either way typing goes straight to the box.
      const box = await openSearch(page, viewport.width < 500);
      await page.keyboard.type("depl");
      expect(await box.inputValue()).toBe("depl");
      const results = page.getByRole("option");
      await results.first().waitFor({ timeout: 10_000 });
      expect(await results.count()).toBe(2);
      expect(await results.first().locator("mark").allTextContents()).toEqual(["deployment"]);
      expect(await results.nth(1).locator("mark").allTextContents()).toEqual(["deploy"]);
      await page.getByRole("button", { name: "Has a link" }).click();
      await page.waitForFunction(() => document.querySelectorAll("[role=option]").length === 1, undefined, { timeout: 10_000 });
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/search-${viewport.width}.png` });
      await box.press("Enter");
      const row = messageList(page).locator(`li[data-id="${target}"]`);
      await row.waitFor({ timeout: 15_000 });
      await page.waitForFunction((id) => {
        const li = document.querySelector(`li[data-id="${id}"]`);
        if (!li) return false;
        const box = li.getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight;
      }, target, { timeout: 15_000 });
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/search-opened-${viewport.width}.png` });
      await context.close();
    }
  });

  it("typing straight after Ctrl+K on a freshly loaded page lands whole in the search box, and the composer stays empty", async () => {
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Pablo");
    const composer = page.locator("#composer");
    await composer.click();
    // Anything the page would still fetch now (a lazy chunk) comes late, as on a slow connection.
    await page.route("**/*.js", async (route) => {
      await new Promise((r) => setTimeout(r, 1_000));
      await route.continue();
    });
    await page.keyboard.press("Control+K");
    await page.keyboard.type("standup");
    const box = page.getByRole("combobox", { name: "Search messages" });
    expect(await box.inputValue()).toBe("standup");
    expect(await composer.inputValue()).toBe("");
    // Until the answer: searching (never "0 messages" while typing pauses), then that none match.
    const status = page.locator(".search__status");
    expect(["Searching…", "No messages found."]).toContain(await status.textContent());
    await status.getByText("No messages found.").waitFor({ timeout: 10_000 });
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/ui-ctrlk-fast-typing-1280.png` });
    await page.getByRole("dialog", { name: "Search messages" }).getByRole("button", { name: "Close" }).click();
    await box.waitFor({ state: "detached" });
    expect(await composer.inputValue(), "no draft left in the room's composer").toBe("");
  });

  it("the search box does not move when results arrive", async () => {
    const joe = await login(env.stack.url, "Joe");
    const word = `palette${Date.now()}`;
    for (let i = 0; i < 8; i++) {
      await api(env.stack.url, "/room/0/messages", joe.cookie, { method: "POST", body: JSON.stringify({ message: `${word} note ${i}` }) });
    }
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const { context, page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Pablo");
      const box = await openSearch(page, viewport.width < 500);
      const before = await box.boundingBox();
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/ui-search-empty-${viewport.width}.png` });
      await page.keyboard.type(word);
      await page.getByRole("option").nth(5).waitFor({ timeout: 10_000 });
      const after = await box.boundingBox();
      expect(after).toEqual(before);
      if (viewport.width >= 500) expect(before!.y, "near the top, as a command palette").toBeLessThan(viewport.height / 4);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/ui-search-results-${viewport.width}.png` });
      await context.close();
    }
  });

  it("a permalink opens the room at its message", async () => {
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Mary");
    await page.goto(`${env.stack.url}/#/room/0/message/${target}`);
    await page.waitForFunction((id) => {
      const li = document.querySelector(`li[data-id="${id}"]`);
      return li !== null && li.getBoundingClientRect().top >= 0 && li.getBoundingClientRect().bottom <= window.innerHeight;
    }, target, { timeout: 15_000 });
    expect(await page.locator(`li[data-id="${target}"] .msg__text`).textContent()).toContain("Déjà vu");
  });

  it("pins a message to a conversation and saves one for later, each listed and opened from its list", async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const { context, page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Pablo");
      await page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: "Joe", exact: true }).click();
      const row = messageList(page).locator("li.msg").last();
      await row.waitFor();
      // On a desktop from the message's toolbar; on a phone a tap on it opens its actions in a sheet.
      const act = async (label: string, done: string) => {
        if (viewport.width < 500) {
          await row.locator(".msg__text").click();
          const sheet = page.getByRole("dialog", { name: /^Actions for the message of / });
          await sheet.getByRole("button", { name: label }).click();
          await sheet.getByRole("button", { name: done }).waitFor();
          await sheet.waitFor({ state: "detached" });
        } else {
          await row.hover();
          await row.getByRole("button", { name: label }).click();
          await row.getByRole("button", { name: done }).waitFor();
        }
      };
      await act("Pin to the room", "Pinned");
      await act("Save for later", "Saved");
      const text = await row.locator(".msg__text").textContent();

      await page.getByRole("button", { name: "Pinned messages" }).click();
      const pins = page.getByRole("list", { name: /^Pinned in/ });
      await pins.getByText(text!, { exact: true }).waitFor();
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/pins-${viewport.width}.png` });
      await pins.getByRole("button", { name: "Unpin" }).first().click();
      await page.getByText("Nothing is pinned here yet.").waitFor();
      await page.keyboard.press("Escape");

      if (viewport.width < 500) await page.getByRole("button", { name: "Back to chats" }).click();
      await page.getByRole("button", { name: "Saved messages" }).click();
      const saved = page.getByRole("list", { name: "Saved messages" });
      await saved.getByText(text!, { exact: true }).waitFor();
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/saved-${viewport.width}.png` });
      await saved.getByRole("button", { name: "Remove" }).click();
      await page.getByText("Save a message from its actions to find it here.").waitFor();
      await context.close();
    }
  });

  it("lists of messages show the caption as formatted text and the files by name, never the fallback paths or Markdown marks", async () => {
    const url = env.stack.url;
    const [joe, pablo] = await Promise.all([login(url, "Joe"), login(url, "Pablo")]);
    // Their one-to-one conversation: both may pin there.
    const opened = await api(url, "/room", joe.cookie, { method: "POST", body: JSON.stringify({ user1: joe.user.id, user2: pablo.user.id }) });
    expect(opened.status, JSON.stringify(opened.body)).toBeLessThan(300);
    const room = String(opened.body.id);
    const file = await upload(url, joe.cookie, room, "walrus-notes.txt", "tusks and flippers\n", "text/plain");
    expect(file.status, JSON.stringify(file.body)).toBe(201);
    const sent = await api(url, `/room/${encodeURIComponent(room)}/messages`, joe.cookie, { method: "POST", body: JSON.stringify({ message: "**Walrus** plan\n\n- tusks first", attachments: [file.body.id] }) });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const id = sent.body.id as string;
    expect((await api(url, `/room/${encodeURIComponent(room)}/pins/${id}`, pablo.cookie, { method: "PUT" })).status).toBe(200);
    expect((await api(url, `/me/saved/${encodeURIComponent(room)}/${id}`, pablo.cookie, { method: "PUT" })).status).toBe(200);

    const { page } = await newPage(env.browser);
    await signIn(page, url, "Pablo");
    // A query of filters only: everything Joe sent with a file.
    await openSearch(page);
    await page.keyboard.type("from:joe has:file");
    const result = page.getByRole("option").first();
    await result.waitFor({ timeout: 10_000 });
    await result.getByText("walrus-notes.txt", { exact: true }).waitFor();
    expect(await result.textContent()).not.toContain("/attachments/");
    // Words: the same message formatted, its matched words marked inside the formatting.
    const box = page.getByRole("combobox", { name: "Search messages" });
    await box.fill("walrus tusks");
    const found = page.getByRole("option").filter({ hasText: "walrus-notes.txt" });
    await found.locator("strong mark", { hasText: "Walrus" }).waitFor({ timeout: 10_000 });
    expect(await found.locator("li mark").allTextContents()).toEqual(["tusks"]);
    expect(await found.textContent()).not.toMatch(/\*\*|- tusks/);
    await page.getByRole("dialog", { name: "Search messages" }).getByRole("button", { name: "Close" }).click();

    await page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: "Joe", exact: true }).click();
    await page.getByRole("button", { name: "Pinned messages" }).click();
    const pins = page.getByRole("list", { name: /^Pinned in/ });
    const pinned = pins.getByRole("listitem").filter({ hasText: "walrus-notes.txt" });
    await pinned.locator("strong", { hasText: "Walrus" }).waitFor({ timeout: 10_000 });
    expect(await pinned.textContent()).not.toMatch(/\*\*|\/attachments\//);
    expect(await pinned.locator("li", { hasText: "tusks first" }).count()).toBe(1);
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Saved messages" }).click();
    const saved = page.getByRole("list", { name: "Saved messages" }).getByRole("listitem").filter({ hasText: "walrus-notes.txt" });
    await saved.locator("strong", { hasText: "Walrus" }).waitFor({ timeout: 10_000 });
    expect(await saved.textContent()).not.toMatch(/\*\*|\/attachments\//);
  });

  it("with the room filter on, an empty search names the room and offers to search all rooms", async () => {
    const url = env.stack.url;
    const [joe, pablo] = await Promise.all([login(url, "Joe"), login(url, "Pablo")]);
    const made = await api(url, "/rooms", joe.cookie, { method: "POST", body: JSON.stringify({ name: "Design Team", members: [pablo.user.id] }) });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const room = String(made.body.id);
    for (const [roomId, message] of [[room, "mockups reviewed"], [room, "mockups for the launch"], ["0", "pineapple pizza on Friday"]] as const) {
      expect((await api(url, `/room/${roomId}/messages`, joe.cookie, { method: "POST", body: JSON.stringify({ message }) })).status).toBe(201);
    }
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const { context, page } = await newPage(env.browser, viewport);
      await signIn(page, url, "Pablo");
      await page.goto(`${url}/#/room/${room}`);
      await messageList(page).getByText("mockups for the launch").waitFor({ timeout: 15_000 });
      // Ctrl+K on the phone too: its search button is on the chat list, where no room is open to filter by.
      const box = await openSearch(page);
      const dialog = page.getByRole("dialog", { name: "Search messages" });
      const status = dialog.getByRole("status");
      // The chip on, the count says where it counted.
      await dialog.getByRole("button", { name: "In Design Team" }).click();
      await box.fill("mockups");
      await status.getByText("2 messages in Design Team", { exact: true }).waitFor({ timeout: 10_000 });
      // A later search with the chip still on: what is not in the room is not found, and the status says where it looked.
      await box.fill("pineapple");
      await status.getByText("No messages found in Design Team.", { exact: true }).waitFor({ timeout: 10_000 });
      const everywhere = dialog.getByRole("button", { name: "Search all rooms" });
      expect(await axeViolations(page)).toEqual([]);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/search-room-filter-empty-${viewport.width}.png` });
      await everywhere.click();
      await status.getByText("1 message", { exact: true }).waitFor({ timeout: 10_000 });
      expect(await page.getByRole("option").first().textContent()).toContain("pineapple pizza on Friday");
      expect(await dialog.getByRole("button", { name: "In Design Team" }).getAttribute("aria-pressed")).toBe("false");
      expect(await everywhere.count()).toBe(0);
      // The search box keeps the keyboard: typing goes on searching.
      expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Search messages");
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/search-room-filter-lifted-${viewport.width}.png` });
      await context.close();
    }
  });

  it("says why in: finds nothing in an open room one is not in, and the Has an image chip keeps messages with an image", async () => {
    const url = env.stack.url;
    const joe = await login(url, "Joe");
    const lagoon = await api(url, "/rooms", joe.cookie, { method: "POST", body: JSON.stringify({ name: "Lagoon", visibility: "open" }) });
    expect(lagoon.status, JSON.stringify(lagoon.body)).toBe(201);
    const photo = await upload(url, joe.cookie, "0", "heron.png", await png(8, 6), "image/png");
    expect(photo.status, JSON.stringify(photo.body)).toBe(201);
    const send = (message: string, attachments?: string[]) =>
      api(url, "/room/0/messages", joe.cookie, { method: "POST", body: JSON.stringify({ message, ...(attachments ? { attachments } : {}) }) });
    expect((await send("heron at dawn", [photo.body.id])).status).toBe(201);
    expect((await send("heron heard, not seen")).status).toBe(201);

    const { page } = await newPage(env.browser);
    await signIn(page, url, "Pablo");
    const box = await openSearch(page);
    await page.keyboard.type("heron in:#lagoon");
    const status = page.getByRole("dialog", { name: "Search messages" }).getByRole("status");
    await status.getByText("You are not a member of “Lagoon”: join it from Browse rooms to search it").waitFor({ timeout: 10_000 });
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/search-not-a-member.png` });
    await box.fill("heron");
    await page.waitForFunction(() => document.querySelectorAll("[role=option]").length === 2, undefined, { timeout: 10_000 });
    await page.getByRole("button", { name: "Has an image" }).click();
    await page.waitForFunction(() => document.querySelectorAll("[role=option]").length === 1, undefined, { timeout: 10_000 });
    await page.getByRole("option").getByText("heron.png", { exact: true }).waitFor();
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/search-has-image.png` });
  });
});
