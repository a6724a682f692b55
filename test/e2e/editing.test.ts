import { describe, expect, it } from "vitest";
import type { Locator, Page } from "playwright-core";
import { chats, messageList, newPage, sendMessage, signIn, useBrowserStack } from "./harness.js";

const env = useBrowserStack();

const SHOTS = process.env.SCREENSHOT_DIR;

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** About what an on-screen keyboard takes of a 844 px phone screen (the layout shrinks by it). */
const KEYBOARD_PX = 336;

/** The row of the last message saying `text`. */
function row(page: Page, text: string): Locator {
  return messageList(page).locator("li.msg").filter({ hasText: text }).last();
}

/**
 * Waits until `target` is wholly inside the conversation's scroller and on top where it is drawn
 * (nothing, such as the composer, covers its middle): what a person sees and can press, with no
 * scrolling by the test (Playwright's click would scroll it into view first).
 */
async function waitWhollyInView(target: Locator, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    // Found again each time: a row is drawn anew when its message is stored (a pending row before).
    const problem = await target.evaluate((el) => new Promise<string>((resolve) => requestAnimationFrame(() => {
      const scroller = el.closest<HTMLElement>(".messages");
      const r = el.getBoundingClientRect();
      const s = scroller?.getBoundingClientRect();
      const inside = !!s && r.height > 0 && r.top >= s.top - 0.5 && r.bottom <= s.bottom + 0.5;
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      resolve(inside && hit !== null && (hit === el || el.contains(hit)) ? ""
        : `top ${Math.round(r.top)}, bottom ${Math.round(r.bottom)}, scroller ${Math.round(s?.top ?? NaN)}..${Math.round(s?.bottom ?? NaN)}, on top: ${hit?.outerHTML.slice(0, 60)}`);
    })), undefined, { timeout: 5_000 });
    if (!problem) return;
    if (Date.now() > deadline) throw new Error(`${what} is not wholly in view: ${problem}`);
  }
}

/** Presses a button where it is drawn, as a finger or a mouse would (no scrolling to it first). */
async function pressWhereItIs(page: Page, target: Locator): Promise<void> {
  const b = await target.boundingBox();
  if (!b) throw new Error("not laid out");
  await page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
}

async function openGeneral(page: Page, phone: boolean): Promise<void> {
  if (phone) await chats(page).getByRole("button", { name: "General", exact: true }).click();
  await page.getByRole("heading", { name: "General" }).waitFor();
}

/** Enough messages that the list scrolls, ending at its newest. */
async function fillTheList(page: Page, stamp: number): Promise<void> {
  for (let i = 1; i <= 12; i++) await sendMessage(page, `Filler ${i} ${stamp}`);
  await row(page, `Filler 12 ${stamp}`).locator(".msg__text").waitFor();
  expect(await page.locator(".messages").evaluate((el) => el.scrollHeight > el.clientHeight + 100)).toBe(true);
}

async function startEditing(page: Page, mine: Locator, phone: boolean): Promise<void> {
  if (phone) {
    await mine.locator(".msg__text").click();
    await page.getByRole("dialog").getByRole("button", { name: "Edit" }).click();
  } else {
    // From outside the row: its toolbar is made when the pointer enters it (a row drawn under a
    // pointer that then "moves" to the same spot gets no pointerenter).
    await page.mouse.move(0, 0);
    await mine.hover();
    await mine.getByRole("button", { name: "Edit" }).click();
  }
}

describe("web client: editing the newest message keeps the whole editor in view", () => {
  for (const [label, viewport] of [["desktop", DESKTOP], ["phone", PHONE]] as const) {
    const phone = viewport === PHONE;
    it(`Save is in view and pressable when editing starts, as the text grows${phone ? " and when the keyboard shrinks the screen" : ""}, and saving works (${label})`, async () => {
      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, phone ? "Joe" : "Pablo");
      await openGeneral(page, phone);
      const stamp = Date.now();
      await fillTheList(page, stamp);
      // A reply: its quote makes the row as tall as the one the first user met this with.
      await sendMessage(page, `To be replied to ${stamp}`);
      await row(page, `To be replied to ${stamp}`).locator(".msg__text").waitFor();
      if (phone) {
        await row(page, `To be replied to ${stamp}`).locator(".msg__text").click();
        await page.getByRole("dialog").getByRole("button", { name: "Reply" }).click();
      } else {
        await row(page, `To be replied to ${stamp}`).hover();
        await row(page, `To be replied to ${stamp}`).getByRole("button", { name: "Reply" }).click();
      }
      await sendMessage(page, `Newest ${stamp}`);
      const mine = row(page, `Newest ${stamp}`);
      await mine.locator(".msg__text").waitFor();
      await waitWhollyInView(mine, "the newest message before editing");
      // A person starts editing a moment later: react-virtuoso follows a last row that grows within
      // 100 ms of the list changing (the message stored), which would hide the case met in use.
      await page.waitForTimeout(300);

      await startEditing(page, mine, phone);
      const editor = mine.getByRole("textbox", { name: "Edit text" });
      const save = mine.getByRole("button", { name: "Save" });
      await editor.waitFor();
      await waitWhollyInView(save, "Save, when editing starts");
      await waitWhollyInView(mine.getByRole("button", { name: "Cancel" }), "Cancel, when editing starts");
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/editing-newest-${label}.png` });

      // More lines: the box grows (up to its cap, then scrolls inside), the bar stays in view.
      await editor.press("End");
      for (let i = 1; i <= 6; i++) {
        await editor.press("Shift+Enter");
        await editor.type(`line ${i}`);
      }
      await waitWhollyInView(save, "Save, after typing more lines");
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/editing-newest-${label}-grown.png` });

      if (phone) {
        // An on-screen keyboard that resizes the page: the list gets shorter under the editor.
        await page.setViewportSize({ width: PHONE.width, height: PHONE.height - KEYBOARD_PX });
        await waitWhollyInView(save, "Save, with the keyboard up");
        if (SHOTS) await page.screenshot({ path: `${SHOTS}/editing-newest-${label}-keyboard.png` });
      }

      await pressWhereItIs(page, save);
      await editor.waitFor({ state: "detached" });
      await mine.getByText("line 6").waitFor();
      await mine.locator(".msg__edited").waitFor();
    });
  }

  it("an editor drawn again as the reader scrolls back towards it neither takes the focus nor pulls the list to it", async () => {
    const { page } = await newPage(env.browser, DESKTOP);
    await signIn(page, env.stack.url, "Alex");
    await openGeneral(page, false);
    const stamp = Date.now();
    await fillTheList(page, stamp);
    await fillTheList(page, stamp + 1);
    await sendMessage(page, `Edit me ${stamp}`);
    const mine = row(page, `Edit me ${stamp}`);
    await mine.locator(".msg__text").waitFor();
    await startEditing(page, mine, false);
    const editor = page.getByRole("textbox", { name: "Edit text" });
    await waitWhollyInView(mine.getByRole("button", { name: "Save" }), "Save");
    const scroller = page.locator(".messages");
    const editorRow = await mine.evaluate((el) => el.getBoundingClientRect().height);

    // Far up: the windowed list no longer draws the row.
    await scroller.evaluate((el) => { el.scrollTop = 0; });
    await editor.waitFor({ state: "detached" });
    // Back to where the row is drawn ahead of the screen, just below it.
    const top = await scroller.evaluate((el, below) => {
      el.scrollTop = el.scrollHeight - el.clientHeight - below;
      return el.scrollTop;
    }, editorRow + 150);
    await editor.waitFor();
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await scroller.evaluate((el) => el.scrollTop)).toBeCloseTo(top, 0);
    expect(await editor.evaluate((el) => el === document.activeElement)).toBe(false);
  });

});

describe("web client: the newest message stays wholly in view at the end of the list", () => {
  it("when a reaction grows its row", async () => {
    const { page } = await newPage(env.browser, DESKTOP);
    await signIn(page, env.stack.url, "Joe");
    await openGeneral(page, false);
    const stamp = Date.now();
    await fillTheList(page, stamp);
    await sendMessage(page, `React to me ${stamp}`);
    const mine = row(page, `React to me ${stamp}`);
    await mine.locator(".msg__text").waitFor();
    await waitWhollyInView(mine, "the newest message");
    // Later, as a person does (Virtuoso follows a row growing within 100 ms of the list changing).
    await page.waitForTimeout(300);
    await mine.hover();
    await mine.getByRole("button", { name: "React with 👍" }).click();
    await waitWhollyInView(mine.getByRole("button", { name: /^👍 1/ }), "the reaction");
  });

  it("above a reply's quote in the composer", async () => {
    const { page } = await newPage(env.browser, PHONE);
    await signIn(page, env.stack.url, "Mary");
    await openGeneral(page, true);
    const stamp = Date.now();
    await fillTheList(page, stamp);
    await sendMessage(page, `Reply to me ${stamp}`);
    const mine = row(page, `Reply to me ${stamp}`);
    await mine.locator(".msg__text").waitFor();
    await waitWhollyInView(mine, "the newest message");
    await mine.locator(".msg__text").click();
    await page.getByRole("dialog").getByRole("button", { name: "Reply" }).click();
    await page.locator(".composer__reply").getByText(`Reply to me ${stamp}`).waitFor();
    await waitWhollyInView(mine.locator(".msg__text"), "the message replied to, with the quote above the box");
    expect(await mine.locator(".msg__text").isVisible()).toBe(true);
  });
});
