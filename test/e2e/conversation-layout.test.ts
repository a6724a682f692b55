import { describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import sharp from "sharp";
import { api, login } from "../support/chat-client.js";
import { axeViolations } from "./axe.js";
import { chats, messageList, newPage, sendMessage, signIn, useBrowserStack } from "./harness.js";

const SHOTS = process.env.SCREENSHOT_DIR;
const env = useBrowserStack();

const VIEWPORTS = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

/** The conversation's scroller (Virtuoso's), as wide as what it shows. */
function scroller(page: Page): Locator {
  return page.locator('[aria-label="Conversation history"]');
}

async function widths(page: Page) {
  return scroller(page).evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, scrollLeft: el.scrollLeft }));
}

async function expectNoSideways(page: Page, when: string) {
  const w = await widths(page);
  expect(w.scrollWidth, `${when}: the list is no wider than what shows of it (${JSON.stringify(w)})`).toBeLessThanOrEqual(w.clientWidth);
  expect(w.scrollLeft, `${when}: not scrolled sideways`).toBe(0);
}

async function openGeneral(page: Page, viewport: { width: number }) {
  if (viewport.width < 500) await chats(page).getByRole("button", { name: "General", exact: true }).click();
  await page.getByRole("heading", { name: "General" }).waitFor();
}

/** The row of the last message saying `text`. */
function row(page: Page, text: string): Locator {
  return messageList(page).locator("li.msg").filter({ hasText: text }).last();
}

async function box(locator: Locator) {
  const b = await locator.boundingBox();
  if (!b) throw new Error("not laid out");
  return b;
}

/** WCAG contrast ratio of two "rgb(r, g, b)" colours. */
function contrast(a: string, b: string): number {
  const luminance = (rgb: string) => {
    const [r, g, bl] = rgb.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe("web client: the conversation fits its screen", () => {
  for (const viewport of VIEWPORTS) {
    it(`never scrolls sideways, with long words, links, code blocks and images, nor when a message's actions show (${viewport.name} ${viewport.width}x${viewport.height})`, async () => {
      const joe = await login(env.stack.url, "Joe");
      const stamp = `${viewport.name}${Date.now()}`;
      const post = (message: string) => api(env.stack.url, "/room/0/messages", joe.cookie, { method: "POST", body: JSON.stringify({ message }) });
      await post(`Logs ${stamp}: https://example.com/${"a".repeat(300)}?q=1 and ${"averyveryverylongword".repeat(12)}`);
      await post(`Code ${stamp}:\n\`\`\`\nconst total = ${"1234567890 + ".repeat(40)}0;\n\`\`\``);
      await post(`| a table ${stamp} | ${"wide".repeat(60)} |\n|---|---|\n| 1 | 2 |`);

      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Pablo");
      await openGeneral(page, viewport);
      const wide = await sharp({ create: { width: 2400, height: 500, channels: 3, background: "#2f6fdb" } }).png().toBuffer();
      await page.getByTestId("file-input").setInputFiles([{ name: "wide.png", mimeType: "image/png", buffer: wide }]);
      await page.waitForFunction(() => !document.querySelector(".upload-tray progress"), undefined, { timeout: 15_000 });
      await sendMessage(page, `Screenshot ${stamp}`);
      await row(page, `Screenshot ${stamp}`).getByRole("button", { name: /^Open wide\.png/ }).waitFor({ timeout: 15_000 });
      await row(page, `Logs ${stamp}`).waitFor();
      await expectNoSideways(page, "as it opens");

      // The day separator and the rows keep a gutter on both sides.
      const list = await box(scroller(page));
      const gutter = viewport.width < 500 ? 8 : 16;
      const drawn = messageList(page).locator("li.day, li.divider, li.msg");
      // Rows still in the list when measured: the list may be settling at its end after the send,
      // and a row it lets go of between finding and measuring has no box at all.
      const boxes = await drawn.evaluateAll((els) => els.filter((el) => el.isConnected).map((el) => el.getBoundingClientRect()).map((r) => ({ x: r.x, width: r.width })));
      expect(boxes.length).toBeGreaterThan(2);
      for (const b of boxes) {
        expect(b.x).toBeGreaterThanOrEqual(list.x + gutter - 1);
        expect(b.x + b.width).toBeLessThanOrEqual(list.x + list.width - gutter + 1);
      }

      const target = row(page, `Logs ${stamp}`);
      if (viewport.width >= 500) {
        await target.hover();
        const toolbar = target.getByRole("toolbar", { name: "Message actions" });
        await toolbar.waitFor();
        const bar = await box(toolbar);
        expect(bar.x).toBeGreaterThanOrEqual(list.x);
        expect(bar.x + bar.width, "the toolbar is inside the list").toBeLessThanOrEqual(list.x + list.width);
        await expectNoSideways(page, "with the toolbar shown");
        // The time of a message following one by the same person shows on hover, inside the list too.
        await row(page, `Code ${stamp}`).hover();
        const time = row(page, `Code ${stamp}`).locator(".msg__hover-time");
        if (await time.count()) {
          const t = await box(time);
          expect(t.x + t.width).toBeLessThanOrEqual(list.x + list.width);
        }
        await expectNoSideways(page, "hovering a message");
      } else {
        await target.locator(".msg__text").click({ position: { x: 5, y: 5 } });
        await page.getByRole("dialog", { name: /^Actions for the message of Joe/ }).waitFor();
        await expectNoSideways(page, "with a message's actions open");
        await page.getByRole("button", { name: "Cancel" }).click();
        await expectNoSideways(page, "after a tap on a message");
      }
      // Every avatar is whole: none starts left of the list.
      const lefts = await messageList(page).locator("li.msg .msg__avatar").evaluateAll((els) => els.map((el) => el.getBoundingClientRect().left));
      for (const left of lefts) expect(left).toBeGreaterThanOrEqual(list.x);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/layout-${viewport.name}.png` });
    });
  }
});

describe("web client: a message's actions on a phone", () => {
  it("a tap on a message opens its actions in a sheet at the bottom that names it, and nothing covers the names and times", async () => {
    const { page } = await newPage(env.browser, { width: 390, height: 844 });
    await signIn(page, env.stack.url, "Mary");
    await openGeneral(page, { width: 390 });
    const stamp = Date.now();
    await sendMessage(page, `Sheet test ${stamp}`);
    const mine = row(page, `Sheet test ${stamp}`);
    await mine.locator(".msg__text").waitFor();

    await mine.locator(".msg__text").click();
    const sheet = page.getByRole("dialog", { name: `Actions for the message of Mary (you): Sheet test ${stamp}` });
    await sheet.waitFor();
    const sheetBox = await box(sheet);
    expect(sheetBox.y + sheetBox.height, "at the bottom of the screen").toBeGreaterThan(844 - 2);
    expect(sheetBox.width).toBeGreaterThan(380);
    for (const name of ["React with 👍", "Add reaction", "Reply", "Copy link", "Save for later", "Edit", "Delete", "Cancel"]) {
      expect(await sheet.getByRole("button", { name, exact: true }).isVisible(), name).toBe(true);
    }
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/sheet-phone.png` });
    const problems = (await axeViolations(page)).filter((line) => line.includes("sheet"));
    expect(problems).toEqual([]);
    await sheet.getByRole("button", { name: "React with 👍" }).click();
    await sheet.waitFor({ state: "detached" });
    await mine.getByRole("button", { name: /^👍 1/ }).waitFor();

    // With the message tapped and the sheet closed, its name and time are what is there.
    // Measured and hit-tested in one go: the row grew by its reaction and the list follows that
    // growth a frame later, so a box read in one call can be elsewhere by the next.
    for (const part of [mine.locator(".msg__name"), mine.locator(".msg__meta time")]) {
      const onTop = await part.evaluate((el) => {
        const b = el.getBoundingClientRect();
        const hit = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
        return hit?.closest(".msg__meta") !== null && hit?.closest(".msg__toolbar") === null;
      });
      expect(onTop).toBe(true);
    }

    // The keyboard: Tab from the message reaches its one "Message actions" button, in the row's corner.
    await mine.focus();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Message actions");
    const more = await box(mine.getByRole("button", { name: "Message actions" }));
    const name = await box(mine.locator(".msg__name"));
    expect(more.width).toBeGreaterThanOrEqual(24);
    expect(more.x, "beside the name, not over it").toBeGreaterThan(name.x + name.width);
    await page.keyboard.press("Enter");
    await sheet.waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("React with 👍");
    await page.keyboard.press("Escape");
    await sheet.waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Message actions");

    // Reply: the quote above the box, the caret in it.
    await mine.locator(".msg__text").click();
    await sheet.getByRole("button", { name: "Reply" }).click();
    await page.locator(".composer__reply").getByText(`Sheet test ${stamp}`).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "composer");
    await page.getByRole("button", { name: "Cancel reply" }).click();

    // Edit: the editor in place, focused.
    await mine.locator(".msg__text").click();
    await sheet.getByRole("button", { name: "Edit" }).click();
    const editor = mine.getByRole("textbox", { name: "Edit text" });
    await editor.waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Edit text");
    await editor.fill(`Sheet test ${stamp}, edited`);
    await editor.press("Enter");
    await mine.getByText(`Sheet test ${stamp}, edited`).waitFor();

    // A link in a message is a link, not a way to the sheet.
    await sendMessage(page, `See https://example.com/${stamp}`);
    const link = row(page, `See https://example.com/${stamp}`).getByRole("link");
    await link.waitFor();
    await link.evaluate((a) => a.addEventListener("click", (e) => e.preventDefault()));
    await link.click();
    expect(await page.getByRole("dialog").count()).toBe(0);
  });
});

describe("web client: highlights read in both themes", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`search matches, mentions and a message jumped to keep readable contrast (${colorScheme})`, async () => {
      const pablo = await login(env.stack.url, "Pablo");
      const stamp = `${colorScheme}${Date.now()}`;
      await api(env.stack.url, "/room/0/messages", pablo.cookie, { method: "POST", body: JSON.stringify({ message: `@Mary the release notes ${stamp} and @Joe` }) });
      const { page } = await newPage(env.browser, { width: 1440, height: 900 }, { colorScheme });
      await signIn(page, env.stack.url, "Mary");
      const message = row(page, `release notes ${stamp}`);
      await message.locator(".mention").first().waitFor({ timeout: 15_000 });
      const pairs = await message.locator(".mention").evaluateAll((els) => els.map((el) => {
        const style = getComputedStyle(el);
        return { text: el.textContent, color: style.color, background: style.backgroundColor };
      }));
      expect(pairs.length).toBe(2);
      for (const pair of pairs) expect(contrast(pair.color, pair.background), `${pair.text}`).toBeGreaterThanOrEqual(4.5);

      // The jumped-to message's flash, at its brightest, behind the page's text.
      const flash = await page.evaluate(() => {
        const probe = document.createElement("div");
        probe.style.background = "var(--flash)";
        probe.style.color = "var(--text)";
        document.body.append(probe);
        const style = getComputedStyle(probe);
        const out = { color: style.color, background: style.backgroundColor };
        probe.remove();
        return out;
      });
      expect(contrast(flash.color, flash.background)).toBeGreaterThanOrEqual(4.5);

      await page.keyboard.press("Control+K");
      await page.getByRole("combobox", { name: "Search messages" }).waitFor();
      await page.keyboard.type(stamp);
      const mark = page.getByRole("option").first().locator("mark").first();
      await mark.waitFor({ timeout: 10_000 });
      const marked = await mark.evaluate((el) => ({ color: getComputedStyle(el).color, background: getComputedStyle(el).backgroundColor }));
      expect(contrast(marked.color, marked.background), JSON.stringify(marked)).toBeGreaterThanOrEqual(4.5);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/search-marks-${colorScheme}.png` });
    });
  }
});

describe("web client: a message's toolbar at the top of the list", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    it(`the top row's toolbar is within the list, not behind the room header, and clickable (${colorScheme})`, async () => {
      const joe = await login(env.stack.url, "Joe");
      const stamp = `top${colorScheme}${Date.now()}`;
      for (let i = 0; i < 40; i++) {
        await api(env.stack.url, "/room/0/messages", joe.cookie, { method: "POST", body: JSON.stringify({ message: `Row ${i} ${stamp}` }) });
      }
      const { context, page } = await newPage(env.browser, { width: 1280, height: 800 }, { colorScheme });
      await signIn(page, env.stack.url, "Pablo");
      await openGeneral(page, { width: 1280 });
      await row(page, `Row 39 ${stamp}`).waitFor();
      // A row well inside the list, scrolled up to the list's top edge: nothing of the list above it.
      // The reader scrolls up first, once the room has been placed at its end: a row can be brought
      // to the top only with rows below it.
      const list = scroller(page);
      const area = await box(list);
      await page.waitForTimeout(500);
      await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
      await page.mouse.wheel(0, -400);
      await page.waitForTimeout(300);
      const id = await list.evaluate((el, s) => {
        const top = el.getBoundingClientRect().top;
        const rows = [...el.querySelectorAll<HTMLElement>("li.msg")].filter((li) => li.textContent?.includes(s));
        return rows.find((li) => li.getBoundingClientRect().top > top + 40)!.dataset.id!;
      }, stamp);
      // Again until it holds: Virtuoso corrects its scroll as rows are measured, and rows above may
      // still change (the "New messages" line once the room is read).
      const align = () => list.evaluate(async (el, id) => {
        const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        for (let i = 0; i < 20; i++) {
          const row = el.querySelector<HTMLElement>(`li[data-id="${id}"]`);
          const delta = row ? row.getBoundingClientRect().top - el.getBoundingClientRect().top : 0;
          if (row && Math.abs(delta) < 1) break;
          el.scrollTop += delta;
          await frames();
        }
      }, id);
      await align();
      await page.waitForTimeout(500);
      await align();
      const target = messageList(page).locator(`li[data-id="${id}"]`);
      const listBox = await box(list);
      // At the edge, give or take Virtuoso's last corrections: no room above it for the toolbar either way.
      expect(Math.abs((await box(target)).y - listBox.y), "the row is at the list's top edge").toBeLessThan(14);

      // The pointer comes in from outside, as a person's does.
      await page.mouse.move(listBox.x + listBox.width / 2, listBox.y + listBox.height - 5);
      await target.hover();
      const toolbar = target.getByRole("toolbar", { name: "Message actions" });
      const thumbs = toolbar.getByRole("button", { name: "React with 👍" });
      await thumbs.waitFor();
      const bar = await box(toolbar);
      expect(bar.y, "the toolbar starts inside the list").toBeGreaterThanOrEqual(listBox.y);
      expect(bar.y + bar.height).toBeLessThanOrEqual(listBox.y + listBox.height);
      // What is under the button is the button (the header does not cover it): a click there, with
      // no scrolling first (Playwright's own click would scroll a clipped button into view).
      const at = await box(thumbs);
      const hit = await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.closest("button")?.getAttribute("aria-label") ?? null,
        [at.x + at.width / 2, at.y + at.height / 2]);
      expect(hit).toBe("React with 👍");
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/ui-toolbar-top-row-${colorScheme}.png` });
      await page.mouse.click(at.x + at.width / 2, at.y + at.height / 2);
      await target.locator("button.reaction", { hasText: "👍" }).waitFor();

      // A row with room above keeps its toolbar above it, over the row before.
      const lower = row(page, `Row 39 ${stamp}`);
      await lower.hover();
      const lowerBar = await box(lower.getByRole("toolbar", { name: "Message actions" }));
      expect(lowerBar.y).toBeLessThan((await box(lower)).y);
      await context.close();
    });
  }
});
