import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { axeViolations } from "./axe.js";
import { messageList, newPage, people, useBrowserStack } from "./harness.js";
import { accountsByApi, type Account } from "./accounts-by-api.js";

/**
 * People as a team meets them in its first week: senders named in lists outside the loaded rooms
 * (pins, saved messages, search), profile cards from the People list and a conversation's header,
 * the presence-alert choice the same on every tab, and settings that never drop unsaved changes.
 */
const env = useBrowserStack({ demoData: false, adminUsernames: ["ada"] });
const PHONE = { width: 390, height: 844 };
const PASSWORD = "a-long-password";
const SHOTS = process.env.SCREENSHOT_DIR;
/** A second instance on the same Redis: one of the person's tabs is there. */
let second: RunningChatServer;
beforeAll(async () => {
  second = await startChatServer({ redisUrl: env.stack.redis.url });
});
afterAll(async () => {
  await second?.close();
});

const { account, as, signInAs } = accountsByApi(env, PASSWORD);

const post = async (who: Account, message: string) => ((await as(who, "POST", "/room/0/messages", { message })) as { id: string }).id;

describe("web client: senders named in lists outside the room", () => {
  it("pins, saved messages and search results show the display names of senders the tab never loaded, fetched in one request", async () => {
    const ada = await account("ada");
    const quinn = await account("quinn", "Quinn Quill");
    const rita = await account("rita", "Rita Reed");
    const sam = await account("sam", "Sam Search");
    const filler = await account("filler");
    const quinnsId = await post(quinn, "quinn's plan for the launch");
    const ritasId = await post(rita, "rita's checklist for the launch");
    await post(sam, "the zebra crossing is closed");
    // Their messages are older than General's first page, which fills the screen (three lines each):
    // the tab has no reason to know them.
    let newest = "";
    for (let i = 0; i < 40; i++) newest = await post(filler, `filler ${i}\nsecond line\nthird line`);
    // Ada has read General (else her page would open at its first unread message, theirs).
    await as(ada, "PUT", "/room/0/read", { messageId: newest });
    for (const id of [quinnsId, ritasId]) {
      await as(ada, "PUT", `/room/0/pins/${encodeURIComponent(id)}`);
      await as(ada, "PUT", `/me/saved/0/${encodeURIComponent(id)}`);
    }

    const { page } = await newPage(env.browser);
    const lookups: number[][] = [];
    page.on("request", (req) => {
      const url = new URL(req.url());
      if (url.pathname === "/users") lookups.push(url.searchParams.getAll("ids[]").map(Number));
    });
    await signInAs(page, "ada");
    await page.getByRole("heading", { name: "General" }).waitFor();
    await messageList(page).getByText("filler 39").waitFor();
    expect(await messageList(page).getByText("quinn's plan for the launch").count()).toBe(0);

    await page.getByRole("button", { name: "Pinned messages (2)" }).click();
    const pins = page.getByRole("dialog", { name: "Pinned in General" });
    await pins.getByText("Quinn Quill", { exact: true }).waitFor({ timeout: 10_000 });
    await pins.getByText("Rita Reed", { exact: true }).waitFor();
    expect(await pins.textContent()).not.toMatch(/User \d/);
    // Both senders in one request, each asked for once.
    const asked = lookups.filter((ids) => ids.includes(quinn.id) || ids.includes(rita.id));
    expect(asked).toHaveLength(1);
    expect([...asked[0]!].sort()).toEqual(expect.arrayContaining([quinn.id, rita.id]));
    expect((await axeViolations(page)).join("\n")).toBe("");
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/pins-names-desktop.png` });
    await page.keyboard.press("Escape");

    await page.getByRole("button", { name: "Saved messages" }).click();
    const saved = page.getByRole("dialog", { name: "Saved messages" });
    await saved.getByText("Quinn Quill", { exact: true }).waitFor();
    await saved.getByText("Rita Reed", { exact: true }).waitFor();
    await page.keyboard.press("Escape");

    await page.keyboard.press("Control+k");
    const search = page.getByRole("dialog", { name: "Search messages" });
    await search.getByRole("combobox", { name: "Search messages" }).fill("zebra");
    const result = search.getByRole("option").filter({ hasText: "the zebra crossing is closed" });
    await result.getByText("Sam Search", { exact: true }).waitFor({ timeout: 10_000 });
    expect(await search.textContent()).not.toMatch(/User \d/);
    expect(lookups.filter((ids) => ids.includes(sam.id))).toHaveLength(1);
  });
});

describe("web client: profile cards from People and a conversation's header", () => {
  for (const [size, viewport] of [["desktop", { width: 1440, height: 900 }], ["phone", PHONE]] as const) {
    it(`a person in People opens their card (keyboard too), their message button the conversation, whose header name opens the card again (${size})`, async () => {
      await account("bob", "Bob Stone");
      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, `carder-${size}`);
      const row = people(page).getByRole("button", { name: "Bob Stone", exact: true });
      await row.waitFor({ timeout: 10_000 });
      await row.focus();
      await page.keyboard.press("Enter");
      const card = page.getByRole("dialog", { name: "Bob Stone" });
      await card.getByText("@bob").waitFor();
      await card.getByRole("button", { name: "Message" }).waitFor();
      expect((await axeViolations(page)).join("\n")).toBe("");
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/people-card-${size}.png` });
      await page.keyboard.press("Escape");
      await card.waitFor({ state: "detached" });
      // Focus is back on the row it was opened from.
      expect(await row.evaluate((el) => el === document.activeElement)).toBe(true);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/people-list-${size}.png` });

      await people(page).getByRole("button", { name: "Message Bob Stone" }).click();
      const title = page.getByRole("heading", { name: "Bob Stone" });
      await title.waitFor();
      await title.getByRole("button", { name: "Bob Stone" }).press("Enter");
      await card.getByText("@bob").waitFor();
      expect((await axeViolations(page)).join("\n")).toBe("");
      await card.getByRole("button", { name: "Close" }).click();
      await title.getByRole("button", { name: "Bob Stone" }).click();
      await card.getByText("@bob").waitFor();
    });
  }
});

describe("web client: a person's presence alerts on all their tabs", () => {
  it("turning an alert on or off in one tab shows in their other tab at once, across instances", async () => {
    await account("friend", "Fran Friend");
    const one = (await newPage(env.browser)).page;
    await signInAs(one, "alerter");
    const two = (await newPage(env.browser)).page;
    await signInAs(two, "alerter", second.url);
    const open = async (page: Page) => {
      await people(page).getByRole("button", { name: "Fran Friend", exact: true }).click();
      const toggle = page.getByRole("dialog", { name: "Fran Friend" }).getByRole("checkbox", { name: "Notify me when Fran Friend comes online" });
      await toggle.waitFor();
      await expect.poll(() => toggle.isEnabled()).toBe(true);
      return toggle;
    };
    const inOne = await open(one);
    const inTwo = await open(two);
    expect(await inTwo.isChecked()).toBe(false);
    await inOne.check();
    await expect.poll(() => inTwo.isChecked(), { timeout: 10_000 }).toBe(true);
    await inTwo.uncheck();
    await expect.poll(() => inOne.isChecked(), { timeout: 10_000 }).toBe(false);
  });
});

describe("web client: settings never drop unsaved changes", () => {
  const picture = () => sharp({ create: { width: 200, height: 160, channels: 3, background: "#2f6fdb" } }).png().toBuffer();

  for (const [size, viewport] of [["desktop", { width: 1440, height: 900 }], ["phone", PHONE]] as const) {
    it(`closing with a chosen picture and an edited name asks first; Keep editing keeps them, across tabs too, and Discard drops them (${size})`, async () => {
      const { page } = await newPage(env.browser, viewport);
      await signInAs(page, `drafter-${size}`);
      await page.getByRole("button", { name: "Settings" }).click();
      const settings = page.getByRole("dialog", { name: "Settings" });
      await settings.getByText("Choose a picture").waitFor();
      await settings.locator('input[type="file"]').setInputFiles({ name: "me.png", mimeType: "image/png", buffer: await picture() });
      await settings.getByRole("img", { name: "Preview of your new picture" }).waitFor();
      await settings.getByLabel("Display name").fill("Drafty McDraft");

      await settings.getByRole("button", { name: "Close" }).click();
      const ask = settings.getByRole("alertdialog", { name: "Discard unsaved changes?" });
      await ask.getByText("Your new picture and display name are not saved.").waitFor();
      expect(await ask.getByRole("button", { name: "Keep editing" }).evaluate((el) => el === document.activeElement)).toBe(true);
      expect((await axeViolations(page)).join("\n")).toBe("");
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/settings-discard-${size}.png` });
      await ask.getByRole("button", { name: "Keep editing" }).click();
      await ask.waitFor({ state: "detached" });

      // Another tab and back: the draft is still there.
      await settings.getByRole("tab", { name: "Password" }).click();
      await settings.getByRole("tab", { name: "Profile" }).click();
      await settings.getByRole("img", { name: "Preview of your new picture" }).waitFor();
      expect(await settings.getByLabel("Display name").inputValue()).toBe("Drafty McDraft");

      // Escape asks too; Escape again goes back to editing.
      await page.keyboard.press("Escape");
      await ask.waitFor();
      await page.keyboard.press("Escape");
      await ask.waitFor({ state: "detached" });
      expect(await settings.isVisible()).toBe(true);

      // Saved, it closes without asking.
      await settings.getByRole("button", { name: "Save profile" }).click();
      await settings.getByText("Saved.").waitFor({ timeout: 10_000 });
      await settings.getByRole("button", { name: "Close" }).click();
      await settings.waitFor({ state: "detached" });
      await page.locator(".me__name").getByText("Drafty McDraft").waitFor();

      // Discarded, it is gone.
      await page.getByRole("button", { name: "Settings" }).click();
      await settings.getByLabel("Title").fill("Not for keeps");
      await settings.getByRole("button", { name: "Close" }).click();
      await ask.getByText("Your title is not saved.").waitFor();
      await ask.getByRole("button", { name: "Discard changes" }).click();
      await settings.waitFor({ state: "detached" });
      await page.getByRole("button", { name: "Settings" }).click();
      await expect.poll(() => settings.getByLabel("Title").inputValue()).toBe("");
    });
  }
});
