import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { chats, messageList, newPage, sendMessage, signIn, useBrowserStack } from "./harness.js";

const env = useBrowserStack();

const noSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe("web client: layout and keyboard", () => {
  it("on a 390x844 phone the chat list and the room are two screens with Back", async () => {
    const { context, page } = await newPage(env.browser, { width: 390, height: 844 });
    await signIn(page, env.stack.url, "Mary");
    const general = chats(page).getByRole("button", { name: "General", exact: true });
    await general.waitFor();
    expect(await page.getByRole("textbox", { name: "Message" }).count()).toBe(0);
    expect(await noSideways(page)).toBe(true);

    await general.click();
    await page.getByRole("heading", { name: "General" }).waitFor();
    expect(await chats(page).isVisible()).toBe(false);
    const back = page.getByRole("button", { name: "Back to chats" });
    expect(await back.isVisible()).toBe(true);
    await sendMessage(page, "a rather long message that has to wrap on a narrow phone screen without pushing anything sideways, ".repeat(2) + "x".repeat(120));
    await messageList(page).getByText("x".repeat(120), { exact: false }).waitFor();
    expect(await noSideways(page)).toBe(true);
    const box = await page.getByRole("textbox", { name: "Message" }).boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390 && box.y + box.height <= 844).toBe(true);

    await back.click();
    await general.waitFor();
    expect(await page.getByRole("textbox", { name: "Message" }).count()).toBe(0);

    // The browser's own Back and Forward move between the two screens too.
    await general.click();
    await page.getByRole("heading", { name: "General" }).waitFor();
    await page.goBack();
    await general.waitFor();
    await page.goForward();
    await page.getByRole("heading", { name: "General" }).waitFor();
    await context.close();
  });

  it("the chat can be used from the keyboard alone", async () => {
    const { context, page } = await newPage(env.browser);
    await page.goto(env.stack.url);
    await page.getByLabel("Username").focus();
    await page.keyboard.type("Alex");
    await page.keyboard.press("Tab");
    await page.keyboard.type("password123");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Log out" }).waitFor();

    // The composer has focus in the open room; Enter sends.
    const composer = page.getByRole("textbox", { name: "Message" });
    await composer.waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Message");
    await page.keyboard.type("typed without a mouse");
    await page.keyboard.press("Enter");
    await messageList(page).getByText("typed without a mouse").waitFor();

    // Alt+ArrowDown moves to the next chat.
    await page.keyboard.press("Alt+ArrowDown");
    await page.waitForFunction(() => location.hash !== "#/room/0");
    expect(await page.getByRole("heading", { level: 2, name: "General" }).count()).toBe(0);

    // Every room button is reachable with Tab and opens with Enter.
    const target = chats(page).getByRole("button", { name: "General", exact: true });
    for (let i = 0; i < 30 && !(await target.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "General" }).waitFor();
    await context.close();
  });

  it("on a phone a new room's details fit the screen, even with a long owner name, and say '1 member'", async () => {
    const { context, page } = await newPage(env.browser, { width: 390, height: 844 });
    await page.goto(env.stack.url);
    await page.getByLabel("Username").fill("Annabelle-Longname-Example");
    await page.getByLabel("Password").fill("a-long-enough-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("button", { name: "Log out" }).waitFor();
    await page.getByRole("button", { name: "New room" }).click();
    await page.getByLabel("Name").fill("a-room-with-a-rather-long-name");
    await page.getByRole("button", { name: "Create room" }).click();
    await page.getByRole("heading", { name: "a-room-with-a-rather-long-name" }).waitFor();
    await page.getByText("1 member", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Room details" }).click();
    const body = page.locator(".panel__body");
    await body.getByRole("button", { name: "Leave room" }).waitFor();
    // The panel covers the screen (position: fixed), so the page does not scroll sideways: its body must not either.
    expect(await body.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    const save = await body.getByRole("button", { name: /Save/ }).boundingBox();
    expect(save && save.x + save.width <= 390).toBe(true);
    await context.close();
  });

  it("the settings keep their size and tab bar from tab to tab; on a phone their five tabs fit one row", async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const { context, page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Joe");
      await page.getByRole("button", { name: "Settings" }).click();
      const dialog = page.getByRole("dialog", { name: "Settings" });
      const tablist = dialog.getByRole("tablist");
      await dialog.getByLabel("Display name").waitFor();
      const place = async () => {
        const [box, bar] = await Promise.all([dialog.boundingBox(), tablist.boundingBox()]);
        return [box!.x, box!.y, box!.width, box!.height, bar!.y, bar!.height].map(Math.round);
      };
      const first = await place();
      for (const name of ["Password", "Sessions", "Theme", "Notifications", "Profile"]) {
        await dialog.getByRole("tab", { name }).click();
        await dialog.getByRole("tabpanel").waitFor();
        expect(await place(), `${name} at ${viewport.width}`).toEqual(first);
      }
      const tops = await tablist.getByRole("tab").evaluateAll((tabs) => tabs.map((t) => Math.round(t.getBoundingClientRect().top)));
      expect(new Set(tops).size, `tab rows at ${viewport.width}`).toBe(1);
      expect(await tablist.evaluate((bar) => bar.scrollWidth <= bar.clientWidth)).toBe(true);
      // A status and its "Clear after" side by side, as tall as each other, the status taking the room.
      const [status, clear] = await Promise.all([dialog.getByLabel("Status").boundingBox(), dialog.getByLabel("Clear after").boundingBox()]);
      expect(Math.abs(status!.y - clear!.y)).toBeLessThanOrEqual(1);
      expect(Math.abs(status!.height - clear!.height)).toBeLessThanOrEqual(1);
      expect(status!.width).toBeGreaterThan(clear!.width);
      await context.close();
    }
  });

  it("dark mode follows the system setting", async () => {
    const { context, page } = await newPage(env.browser, { width: 800, height: 600 }, { colorScheme: "dark" });
    await page.goto(env.stack.url);
    await page.getByLabel("Username").waitFor();
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    expect(r! + g! + b!).toBeLessThan(150);
    await context.close();
  });
});
