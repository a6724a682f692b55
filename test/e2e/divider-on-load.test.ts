import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { api, connect, login, send, type ClientSocket } from "../support/chat-client.js";
import { chats, messageList, newPage, signIn, useBrowserStack } from "./harness.js";

const env = useBrowserStack();
const SHOTS = process.env.SCREENSHOT_DIR;

// The room a page loads onto (General at sign-in, the room in the address on a reload) shows where
// the news starts, as a room opened by a click does: a "New messages" line above the first unread
// message, in view; then the room is read. Its read state and history come after it is opened.

/** Each with the person whose conversation with Mary is reloaded onto (the rate limit is per sender). */
const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 800, partner: "Joe" },
  { name: "phone", width: 390, height: 844, partner: "Pablo" },
] as const;

/** More than a screenful, fewer than a page (30): the first of them is above the end. */
const UNREAD = 24;
/** General's writers, taken in turn (each under the message rate limit). */
const WRITERS = ["Joe", "Pablo", "Alex"];

/** The sidebar entry of a room or a person (its badges sit beside its button). */
function chat(page: Page, name: string) {
  return chats(page).locator("li.row-item").filter({ has: page.getByRole("button", { name, exact: true }) });
}

/** Where the divider and the rows right after it, and the newest row, are on the conversation's screen. */
function layout(page: Page, newest: string) {
  return page.evaluate((newest) => {
    const scroller = document.querySelector<HTMLElement>(".messages");
    const divider = document.querySelector<HTMLElement>("li.divider");
    if (!scroller) return null;
    const box = scroller.getBoundingClientRect();
    const inView = (el: Element | null | undefined) => {
      if (!el) return false;
      const r = el.getBoundingClientRect();
      return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    };
    const after = divider?.nextElementSibling;
    const newestRow = [...scroller.querySelectorAll("li.msg")].find((li) => li.querySelector(".msg__text")?.textContent === newest);
    return {
      divider: inView(divider),
      firstUnread: inView(after) ? after!.querySelector(".msg__text")?.textContent ?? null : null,
      newest: inView(newestRow),
      dividers: scroller.querySelectorAll("li.divider").length,
    };
  }, newest);
}

/**
 * While Mary's tab is away: her read mark is put on a message she read, then `UNREAD` messages come
 * after it from the others. Returns the texts of the unread ones, oldest first.
 */
async function newsWhileAway(roomId: string, label: string, writers: readonly string[] = WRITERS): Promise<string[]> {
  const sockets: ClientSocket[] = await Promise.all(writers.map(async (name) => connect(env.stack.url, (await login(env.stack.url, name)).cookie)));
  const stamp = Date.now();
  try {
    const read = await send(sockets[0]!, { roomId, message: `read by Mary ${label} ${stamp}`, clientId: `read-${label}-${stamp}` });
    if (!read.ok) throw new Error(read.error);
    const mary = await login(env.stack.url, "Mary");
    const marked = await api(env.stack.url, `/room/${roomId}/read`, mary.cookie, { method: "PUT", body: JSON.stringify({ messageId: read.message.id }) });
    expect(marked.status).toBe(200);
    const texts: string[] = [];
    for (let i = 1; i <= UNREAD; i++) {
      const text = `news ${i} for Mary ${label} ${stamp}`;
      const ack = await send(sockets[i % sockets.length]!, { roomId, message: text, clientId: `news-${label}-${i}-${stamp}` });
      if (!ack.ok) throw new Error(ack.error);
      texts.push(text);
    }
    return texts;
  } finally {
    for (const socket of sockets) socket.disconnect();
  }
}

/** What the server has as Mary's read mark in the room, and its unread count. */
async function marysReadState(roomId: string) {
  const mary = await login(env.stack.url, "Mary");
  const rooms = (await api(env.stack.url, `/rooms/${mary.user.id}`, mary.cookie)).body as { id: string; lastRead: string | null; unread: number }[];
  return rooms.find((r) => r.id === roomId);
}

/** The divider above the first unread message, both in view, the room not opened at its end. */
async function expectOpenedAtTheNews(page: Page, news: string[]) {
  await messageList(page).locator("li.divider").waitFor();
  await expect.poll(() => layout(page, news.at(-1)!), { timeout: 10_000 })
    .toEqual({ divider: true, firstUnread: news[0], newest: false, dividers: 1 });
}

describe("web client: the new-messages divider of the room a page loads onto", () => {
  for (const viewport of VIEWPORTS) {
    const phone = viewport.width < 500;

    it(`signing in onto General with unread messages opens it at the divider above the first of them, and reads it (${viewport.name})`, async () => {
      const news = await newsWhileAway("0", `sign-in-${viewport.name}`);
      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Mary");
      if (phone) {
        // A phone starts on the list of chats: General's count is there until it is opened.
        await chat(page, "General").getByLabel(`${UNREAD} unread`).waitFor();
        await chats(page).getByRole("button", { name: "General", exact: true }).click();
      }
      await page.getByRole("heading", { name: "General" }).waitFor();
      await expectOpenedAtTheNews(page, news);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/divider-on-load-${viewport.name}.png` });
      if (phone) await page.getByRole("button", { name: "Back to chats" }).click();
      await chat(page, "General").locator(".badge").waitFor({ state: "detached" });
      // Read on the server too.
      await expect.poll(async () => (await marysReadState("0"))?.unread, { timeout: 10_000 }).toBe(0);
    });

    if (!phone) {
      it("a page drawing slowly still opens at the divider when older history arrives while it is being placed", async () => {
        const news = await newsWhileAway("0", "slow-frames");
        const { context, page } = await newPage(env.browser, viewport);
        // Frames a tenth of a second apart (a busy machine): placing the room takes longer than
        // fetching the page before its first, which is asked for as the divider is near the top.
        await context.addInitScript(() => {
          const frame = window.requestAnimationFrame.bind(window);
          window.requestAnimationFrame = (callback) => setTimeout(() => frame(callback), 120) as unknown as number;
          window.cancelAnimationFrame = (id) => clearTimeout(id);
        });
        await signIn(page, env.stack.url, "Mary");
        await expectOpenedAtTheNews(page, news);
      });
    }

    it(`reloading onto the room in the address with unread messages opens it at the divider; once read, a reload shows none (${viewport.name})`, async () => {
      const partner = await login(env.stack.url, viewport.partner);
      const mary = await login(env.stack.url, "Mary");
      const room = await api(env.stack.url, "/room", partner.cookie, { method: "POST", body: JSON.stringify({ user1: partner.user.id, user2: mary.user.id }) });
      const roomId = room.body.id as string;
      expect(roomId, JSON.stringify(room.body)).toBeTruthy();
      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Mary");
      // Mary's tab leaves (closed, or another site), and the news comes meanwhile.
      await page.goto("about:blank");
      const news = await newsWhileAway(roomId, `reload-${viewport.name}`, [viewport.partner]);
      // Back on the conversation's address (a bookmark, the tab restored): a page load onto it.
      await page.goto(`${env.stack.url}/#/room/${roomId}`);
      await page.getByRole("heading", { name: viewport.partner }).waitFor();
      await expectOpenedAtTheNews(page, news);
      await expect.poll(async () => (await marysReadState(roomId))?.unread, { timeout: 10_000 }).toBe(0);
      if (!phone) await chat(page, viewport.partner).locator(".badge").waitFor({ state: "detached" });

      // Everything read: the same room loaded again has no divider, and opens at its end.
      await page.reload();
      await messageList(page).getByText(news.at(-1)!, { exact: true }).waitFor();
      await expect.poll(() => layout(page, news.at(-1)!), { timeout: 10_000 })
        .toEqual({ divider: false, firstUnread: null, newest: true, dividers: 0 });
    });
  }
});
