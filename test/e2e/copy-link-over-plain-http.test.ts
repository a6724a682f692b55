import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { chats, messageList, newPage, sendMessage, signIn, useBrowserStack } from "./harness.js";

const env = useBrowserStack();

/**
 * A place served over plain HTTP on a LAN address is not a secure context: the page has no
 * `navigator.clipboard`. The tests' server is on localhost (secure), so the page is made to look
 * like that one; every text the page copies the older way is recorded from its `copy` event.
 */
async function withoutClipboardApi(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, "clipboard", { configurable: true, get: () => undefined });
    const copied: string[] = [];
    (window as unknown as { copied: string[] }).copied = copied;
    document.addEventListener("copy", (event) => {
      const field = event.target;
      if (field instanceof HTMLTextAreaElement) copied.push(field.value.slice(field.selectionStart, field.selectionEnd));
    }, true);
  });
}

const copiedTexts = (page: Page) => page.evaluate(() => (window as unknown as { copied: string[] }).copied);

/** The stored message's row (a pending one has no data-id, and is replaced by this one when stored). */
function row(page: Page, text: string) {
  return messageList(page).locator("li.msg[data-id]").filter({ hasText: text }).last();
}

describe("web client: copying a message's link where the page has no Clipboard API (plain HTTP)", () => {
  it("Copy link in the desktop toolbar copies the permalink and says so", async () => {
    const { context, page } = await newPage(env.browser);
    await withoutClipboardApi(context);
    await signIn(page, env.stack.url, "Mary");
    await page.getByRole("heading", { name: "General" }).waitFor();
    const text = `Link me over http ${Date.now()}`;
    await sendMessage(page, text);
    const mine = row(page, text);
    await mine.waitFor();
    const id = await mine.getAttribute("data-id");

    // The pointer rests where the sign-in button was, which is where this row is drawn: a row drawn
    // under a resting pointer gets no pointerenter, so its toolbar is made only once the pointer
    // comes into it from outside (a defect of the message list's lazy toolbar, reported apart).
    await page.mouse.move(0, 0);
    await mine.hover();
    await mine.getByRole("button", { name: "Copy link" }).click();
    await mine.getByRole("button", { name: "Link copied" }).waitFor();
    const copied = await copiedTexts(page);
    expect(copied).toHaveLength(1);
    expect(copied[0]).toMatch(new RegExp(`/message/${id}$`));
    // The message box keeps nothing of the hidden field, and the page still sends.
    await expect.poll(() => page.locator("textarea[aria-hidden=true]").count()).toBe(0);
  });

  it("Copy link in a phone's action sheet copies the permalink and says so", async () => {
    const { context, page } = await newPage(env.browser, { width: 390, height: 844 });
    await withoutClipboardApi(context);
    await signIn(page, env.stack.url, "Mary");
    await chats(page).getByRole("button", { name: "General", exact: true }).click();
    const text = `Link me from a phone ${Date.now()}`;
    await sendMessage(page, text);
    const mine = row(page, text);
    await mine.waitFor();
    const id = await mine.getAttribute("data-id");

    await mine.locator(".msg__text").click();
    const sheet = page.getByRole("dialog", { name: /^Actions for the message of Mary/ });
    await sheet.getByRole("button", { name: "Copy link" }).click();
    await sheet.getByRole("button", { name: "Link copied" }).waitFor();
    await sheet.waitFor({ state: "hidden" });
    const copied = await copiedTexts(page);
    expect(copied).toHaveLength(1);
    expect(copied[0]).toMatch(new RegExp(`/message/${id}$`));
    expect(await page.getByRole("alert").count()).toBe(0);
  });
});
