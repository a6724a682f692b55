import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, connect, login, send } from "../support/chat-client.js";
import { chats, closeContexts, DEMO_PASSWORD, launchChromium, messageList, newPage, signIn, startStack, type Stack } from "./harness.js";

// The message list at length (issue 19): older pages arrive without moving what is read, and
// another room reuses the same list, showing nothing of the room left.
let stack: Stack;
let browser: Browser;
let directRoomId: string;
const TOTAL = 160;
const WRITERS = ["Joe", "Alex", "Pablo"];
const text = (i: number) => `list ${String(i).padStart(3, "0")}`;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  const sockets = await Promise.all(WRITERS.map(async (name) => connect(stack.url, (await login(stack.url, name, DEMO_PASSWORD)).cookie)));
  // Runs of one to four messages per person, so page boundaries fall inside runs (rows without a
  // sender's header above which the rest of their run arrives later) and between them.
  let writer = 0;
  for (let i = 1; i <= TOTAL; i++) {
    if (i % ((i % 4) + 1) === 0) writer = (writer + 1) % WRITERS.length;
    const line = i % 7 === 0 ? `${text(i)}\nand a second line` : text(i);
    const ack = await send(sockets[writer]!, { roomId: "0", message: line, clientId: `list-${i}` });
    if (!ack.ok) throw new Error(ack.error);
  }
  const joe = await login(stack.url, "Joe", DEMO_PASSWORD);
  const mary = await login(stack.url, "Mary", DEMO_PASSWORD);
  const room = await api(stack.url, "/room", joe.cookie, { method: "POST", body: JSON.stringify({ user1: joe.user.id, user2: mary.user.id }) });
  directRoomId = room.body.id;
  for (let i = 1; i <= 5; i++) await send(sockets[0]!, { roomId: directRoomId, message: `direct ${i}`, clientId: `direct-${i}` });
  for (const socket of sockets) socket.disconnect();
});
afterEach(closeContexts);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** Older-history requests of a room (General unless told), held until the test lets them through. */
async function holdOlderPages(page: Page, roomId = "0"): Promise<{ waiting(): boolean; release(): void }> {
  const queue: Array<() => void> = [];
  await page.route((url) => url.pathname === `/room/${encodeURIComponent(roomId)}/messages` && Number(url.searchParams.get("offset") ?? 0) > 0, async (route) => {
    await new Promise<void>((resolve) => queue.push(resolve));
    await route.continue();
  });
  return { waiting: () => queue.length > 0, release: () => { for (const go of queue.splice(0)) go(); } };
}

/** What the list shows, for a failure's message: distance from the end, the rows on screen and their offsets. */
const listState = (page: Page) => page.evaluate(() => {
  const el = document.querySelector<HTMLElement>(".messages")!;
  const box = el.getBoundingClientRect();
  return {
    heading: document.querySelector("h2")?.textContent,
    scrollTop: el.scrollTop, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight,
    rows: [...el.querySelectorAll<HTMLElement>("li")].map((li) => `${Math.round(li.getBoundingClientRect().top - box.top)} ${li.className}: ${(li.textContent ?? "").slice(0, 40)}`),
    jump: document.querySelector(".jump")?.textContent ?? null,
    now: performance.now(),
  };
});

const loadedCount = (page: Page) => page.evaluate(() => Number(document.querySelector(".messages")?.getAttribute("data-loaded") ?? 0));

async function openGeneral(page: Page): Promise<void> {
  await signIn(page, stack.url, "Mary");
  await chats(page).getByRole("button", { name: "General" }).click();
  await messageList(page).getByText(text(TOTAL), { exact: true }).waitFor();
}

describe("web client: the message list at any length", () => {
  it("older pages arrive without moving the message at the top of the screen, in any frame", async () => {
    const { page } = await newPage(browser, { width: 1200, height: 800 });
    const held = await holdOlderPages(page);
    await openGeneral(page);
    const scroller = page.getByLabel("Conversation history");
    await scroller.hover();
    for (let pageNo = 0; pageNo < 4; pageNo++) {
      const before = await loadedCount(page);
      for (let step = 0; !held.waiting(); step++) {
        if (step > 100) throw new Error("no older page was asked for");
        await page.mouse.wheel(0, -300);
        await page.waitForTimeout(80);
      }
      // The reader's scroll has ended (the same scrollTop for several frames): note the top message.
      await page.evaluate(() => new Promise<void>((resolve) => {
        const el = document.querySelector<HTMLElement>(".messages")!;
        let last = -1;
        let same = 0;
        const tick = () => {
          same = el.scrollTop === last ? same + 1 : 0;
          last = el.scrollTop;
          if (same >= 5) resolve(); else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }));
      const noted = await page.evaluate(() => {
        const el = document.querySelector<HTMLElement>(".messages")!;
        const top = el.getBoundingClientRect().top;
        const row = [...el.querySelectorAll<HTMLElement>("li.msg[data-id]")].find((r) => r.getBoundingClientRect().bottom > top + 1)!;
        const offset = row.getBoundingClientRect().top - top;
        // In every frame from now on, as it is painted: how far that row is from where it was. A
        // ResizeObserver reports an element it starts observing after the frame's layout, just
        // before the paint, and this one, made last, after the page's own observers.
        const w = window as unknown as { moves: number[]; watching: boolean };
        w.moves = [];
        w.watching = true;
        const probe = new ResizeObserver(() => {
          probe.unobserve(el);
          const now = el.querySelector<HTMLElement>(`li[data-id="${CSS.escape(row.dataset.id!)}"]`);
          w.moves.push(now ? now.getBoundingClientRect().top - el.getBoundingClientRect().top - offset : Infinity);
          if (w.watching) requestAnimationFrame(() => probe.observe(el));
        });
        requestAnimationFrame(() => probe.observe(el));
        return row.dataset.id!;
      });
      held.release();
      await page.waitForFunction((n) => Number(document.querySelector(".messages")?.getAttribute("data-loaded")) > n, before);
      await page.waitForTimeout(600);
      const moves = await page.evaluate(() => {
        const w = window as unknown as { moves: number[]; watching: boolean };
        w.watching = false;
        return w.moves;
      });
      expect(noted).toBeTruthy();
      expect(moves.length).toBeGreaterThan(5);
      expect(Math.max(...moves.map(Math.abs))).toBeLessThanOrEqual(1);
    }
    expect(await loadedCount(page)).toBeGreaterThanOrEqual(120);
  });

  it("a phone opening a room it has read shows the newest message, once its late-drawn rows are measured", async () => {
    // A newcomer has read General to its newest message: the room opens at its end.
    const name = `Phoebe${Date.now() % 100000}`;
    await login(stack.url, name, "password123");
    const { page } = await newPage(browser, { width: 390, height: 844 });
    await signIn(page, stack.url, name, "password123");
    await chats(page).getByRole("button", { name: /^General/ }).click();
    await page.waitForFunction((newest) => {
      const el = document.querySelector<HTMLElement>(".messages");
      const rows = [...document.querySelectorAll("li.msg")].filter((li) => li.querySelector(".msg__text")?.textContent?.startsWith(newest));
      const row = rows.at(-1);
      if (!el || !row) return false;
      const box = el.getBoundingClientRect();
      const r = row.getBoundingClientRect();
      return r.bottom <= box.bottom + 1 && r.top >= box.top - 1 && el.scrollHeight - el.scrollTop - el.clientHeight <= 2;
    }, text(TOTAL), { timeout: 5_000 });
    // Still there a moment later (nothing drawn afterwards pushed it out of view).
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => { const el = document.querySelector<HTMLElement>(".messages")!; return el.scrollHeight - el.scrollTop - el.clientHeight; })).toBeLessThanOrEqual(2);
  });

  it("switching rooms keeps the same list, shows nothing of the room left, and comes back where the reader was", async () => {
    const { page } = await newPage(browser, { width: 1200, height: 800 });
    await openGeneral(page);
    const log = messageList(page);
    const box = page.getByRole("textbox", { name: "Message" });
    // Read a little way up, start a reply and a draft: all General's.
    await page.getByLabel("Conversation history").hover();
    // Up from the end (the room's opening placement may still be settling: scroll until it shows).
    const fromEnd = () => page.evaluate(() => { const el = document.querySelector<HTMLElement>(".messages")!; return el.scrollHeight - el.scrollTop - el.clientHeight; });
    for (let i = 0; i < 10 && (await fromEnd()) < 300; i++) {
      await page.mouse.wheel(0, -500);
      await page.waitForTimeout(300);
    }
    expect(await fromEnd()).toBeGreaterThanOrEqual(300);
    const topRow = async () => page.evaluate(() => {
      const el = document.querySelector<HTMLElement>(".messages")!;
      const top = el.getBoundingClientRect().top;
      const row = [...el.querySelectorAll<HTMLElement>("li.msg[data-id]")].find((r) => r.getBoundingClientRect().bottom > top + 1)!;
      return { id: row.dataset.id!, offset: Math.round(row.getBoundingClientRect().top - top) };
    });
    const target = log.locator("li.msg").filter({ has: page.locator(".msg__text", { hasText: text(TOTAL - 12) }) });
    await target.focus();
    await target.getByRole("button", { name: "Reply" }).click();
    await page.locator(".composer__reply").getByText(text(TOTAL - 12)).waitFor();
    await box.fill("a draft for General");
    const where = await topRow();
    await page.evaluate(() => {
      (window as unknown as { listBefore: Element | null }).listBefore = document.querySelector(".messages");
    });

    await chats(page).getByRole("button", { name: "Joe", exact: true }).click();
    await log.getByText("direct 5", { exact: true }).waitFor();
    const sameList = () => page.evaluate(() => document.querySelector(".messages") === (window as unknown as { listBefore: Element | null }).listBefore);
    expect(await sameList()).toBe(true);
    // Nothing of General: its rows, its reply quote, its draft.
    expect(await log.locator("li.msg").filter({ hasText: /list \d{3}/ }).count()).toBe(0);
    expect(await page.locator(".composer__reply").count()).toBe(0);
    expect(await box.inputValue()).toBe("");
    expect(await page.evaluate(() => document.querySelectorAll(".messages").length)).toBe(1);

    await chats(page).getByRole("button", { name: "General" }).click();
    await log.getByText(text(TOTAL - 12), { exact: true }).waitFor();
    expect(await sameList()).toBe(true);
    expect(await log.locator("li.msg").filter({ hasText: /direct \d/ }).count()).toBe(0);
    // The draft is General's again; the reply was only for the moment it was started in.
    expect(await box.inputValue()).toBe("a draft for General");
    await page.waitForTimeout(300);
    // The row that was at the top is where it was, within a pixel (not "the top row is the same
    // row": a row showing a pixel or less of itself is no longer counted as on screen).
    const back = await page.evaluate((id) => {
      const el = document.querySelector<HTMLElement>(".messages")!;
      const row = el.querySelector<HTMLElement>(`li.msg[data-id="${CSS.escape(id)}"]`);
      return row ? row.getBoundingClientRect().top - el.getBoundingClientRect().top : null;
    }, where.id);
    expect(back).not.toBeNull();
    expect(Math.abs(back! - where.offset)).toBeLessThanOrEqual(1.5);
  });

  it("coming back to a room left at its end shows what came meanwhile: a few at the end, many from the first of them", async () => {
    const { page } = await newPage(browser, { width: 1200, height: 800 });
    await openGeneral(page);
    const log = messageList(page);
    const fromEnd = () => page.evaluate(() => { const el = document.querySelector<HTMLElement>(".messages")!; return el.scrollHeight - el.scrollTop - el.clientHeight; });
    await expect.poll(fromEnd).toBeLessThan(2);
    const inView = (text: string) => page.evaluate((text) => {
      const el = document.querySelector<HTMLElement>(".messages")!;
      const box = el.getBoundingClientRect();
      const row = [...el.querySelectorAll<HTMLElement>("li.msg")].find((r) => r.querySelector(".msg__text")?.textContent === text);
      const at = row?.getBoundingClientRect();
      return at !== undefined && at.top >= box.top - 1 && at.bottom <= box.bottom + 1;
    }, text);
    // Three writers, so that a burst stays under each one's rate limit.
    const writers = await Promise.all(WRITERS.map(async (name) => connect(stack.url, (await login(stack.url, name, DEMO_PASSWORD)).cookie)));
    const general = chats(page).getByRole("button", { name: "General" });
    let sent = 0;
    const awayAndBack = async (messages: string[]) => {
      await chats(page).getByRole("button", { name: "Joe", exact: true }).click();
      await log.getByText("direct 5", { exact: true }).waitFor();
      for (const [i, message] of messages.entries()) {
        const ack = await send(writers[i % writers.length]!, { roomId: "0", message, clientId: `meanwhile-${sent++}` });
        expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true });
      }
      // The sidebar's preview of General shows the last of them.
      await chats(page).getByText(messages[messages.length - 1]!).waitFor();
      await general.click();
    };
    const explain = async (error: Error) => {
      throw new Error(`${error.message}\nThe list showed: ${JSON.stringify(await listState(page), null, 1)}`);
    };
    try {
      // One message, a mention: in view, the list still at its end.
      await awayAndBack(["meanwhile, @Mary, one thing"]);
      await expect.poll(() => inView("meanwhile, @Mary, one thing")).toBe(true).catch(explain);
      await log.locator(".mention--me").last().waitFor();
      await expect.poll(fromEnd).toBeLessThan(2).catch(explain);
      // Many: the first of them is in view under the divider, not only the last screenful.
      const many = Array.from({ length: 30 }, (_, i) => `meanwhile ${i + 1}`);
      await awayAndBack(many);
      await expect.poll(() => inView("meanwhile 1")).toBe(true).catch(explain);
      await log.locator("li.divider").waitFor();
      expect(await inView("meanwhile 30")).toBe(false);
    } finally {
      for (const writer of writers) writer.disconnect();
    }
  });

  // An older page arriving holds the message at the top of the screen in place for a second (see
  // the first test); a message the reader sends meanwhile is hers to see, not held below the screen.
  // A conversation of a page and a half: the top row held stays drawn when the list goes to its end.
  for (const [label, viewport, partner] of [["desktop", { width: 1200, height: 800 }, "Alex"], ["phone", { width: 390, height: 844 }, "Pablo"]] as const) {
    it(`the reader's own message is brought into view as she sends it, while an older page is being held in place (${label})`, async () => {
      const them = await login(stack.url, partner, DEMO_PASSWORD);
      const mary = await login(stack.url, "Mary", DEMO_PASSWORD);
      const room = await api(stack.url, "/room", them.cookie, { method: "POST", body: JSON.stringify({ user1: them.user.id, user2: mary.user.id }) });
      const socket = await connect(stack.url, them.cookie);
      for (let i = 1; i <= 45; i++) await send(socket, { roomId: room.body.id, message: `${partner} ${i}`, clientId: `held-${partner}-${i}` });
      socket.disconnect();

      const { page } = await newPage(browser, viewport);
      const held = await holdOlderPages(page, room.body.id);
      await signIn(page, stack.url, "Mary");
      await chats(page).getByRole("button", { name: partner, exact: true }).click();
      await messageList(page).getByText(`${partner} 45`, { exact: true }).waitFor();
      // Up to the top, away from the end, where the older page is asked for (and held).
      await page.getByLabel("Conversation history").hover();
      for (let step = 0; !held.waiting() || (await page.evaluate(() => document.querySelector<HTMLElement>(".messages")!.scrollTop)) > 0; step++) {
        if (step > 100) throw new Error("no older page was asked for");
        await page.mouse.wheel(0, -300);
        await page.waitForTimeout(80);
      }
      const before = await loadedCount(page);
      held.release();
      await page.waitForFunction((n) => Number(document.querySelector(".messages")?.getAttribute("data-loaded")) > n, before);
      const mine = `mine while a page is held ${Date.now()}`;
      const box = page.getByRole("textbox", { name: "Message" });
      await box.fill(mine);
      await box.press("Enter");
      // In view within the hold, and still at the end once the hold is over.
      await page.waitForFunction((t) => {
        const el = document.querySelector<HTMLElement>(".messages")!;
        const row = [...el.querySelectorAll<HTMLElement>("li")].find((li) => li.textContent?.includes(t));
        if (!row) return false;
        const r = row.getBoundingClientRect();
        const s = el.getBoundingClientRect();
        return r.top >= s.top - 0.5 && r.bottom <= s.bottom + 0.5;
      }, mine, { timeout: 600 });
      await messageList(page).locator("li.msg").filter({ hasText: mine }).locator(".msg__text").waitFor();
      await page.waitForTimeout(1_000);
      expect(await page.evaluate(() => { const el = document.querySelector<HTMLElement>(".messages")!; return el.scrollHeight - el.scrollTop - el.clientHeight; })).toBeLessThanOrEqual(2);
      expect(await page.getByRole("button", { name: "New messages below" }).count()).toBe(0);
    });
  }
});
