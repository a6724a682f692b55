import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { api, connect, login, send } from "../support/chat-client.js";
import {
  canBeHidden, chats, messageList, newPage, recordNotifications, sendMessage, setHidden, shownNotifications, signIn, useBrowserStack,
} from "./harness.js";

const env = useBrowserStack();

// A tab not in front draws nothing (no animation frames, no resize notifications, no scroll events:
// see canBeHidden) while its socket, timers and React keep running. What a person relies on while
// the tab is in the background must not wait on drawing, and the list must be right once it is in front.

/** The row of the last message whose text holds `text`. */
function row(page: Page, text: string) {
  return messageList(page).locator("li.msg").filter({ has: page.locator(".msg__text", { hasText: text }) }).last();
}

/** The sidebar entry of a room or a person (its badges sit beside its button). */
function chat(page: Page, name: string) {
  return chats(page).locator("li.row-item").filter({ has: page.getByRole("button", { name, exact: true }) });
}

/** The unread total the page's title starts with ("(3) General · …"), 0 without one. */
async function titleCount(page: Page): Promise<number> {
  return Number(/^\((\d+)\) /.exec(await page.title())?.[1] ?? 0);
}

/** Polled on a timer: the page's own animation frames are held while it is hidden. */
const byTimer = { polling: 100 } as const;

/**
 * Waits until the row holding `text` is drawn inside the visible part of the conversation; null:
 * the "New messages" line and the first message after it (how much is unread depends on what the
 * server last heard Mary read: a tab closed right after reading may not have told it).
 */
function inView(page: Page, text: string | null) {
  return page.waitForFunction((t) => {
    const scroller = document.querySelector(".messages");
    const divider = document.querySelector("li.divider");
    const rows = t === null
      ? [divider, divider?.nextElementSibling]
      : [[...document.querySelectorAll("li.msg")].filter((li) => li.querySelector(".msg__text")?.textContent?.includes(t)).at(-1)];
    if (!scroller || rows.some((r) => !r)) return false;
    const box = scroller.getBoundingClientRect();
    return rows.every((row) => {
      const r = row!.getBoundingClientRect();
      return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    });
  }, text, byTimer);
}

/** More news than the conversation shows at once, so following it means scrolling. */
const NEWS = 12;

async function pabloWrites(stamp: number) {
  const pablo = (await newPage(env.browser)).page;
  await signIn(pablo, env.stack.url, "Pablo");
  for (let i = 1; i <= NEWS; i++) await sendMessage(pablo, `news ${i} while Mary is away ${stamp}`);
  await row(pablo, `news ${NEWS} while Mary is away ${stamp}`).waitFor();
  return pablo;
}

describe("web client: a tab in the background", () => {
  it("keeps its unread counts, title and notifications current, and shows what came once in front", async () => {
    const { context, page: mary } = await newPage(env.browser);
    await recordNotifications(context, "granted");
    await canBeHidden(context);
    await signIn(mary, env.stack.url, "Mary");
    await mary.getByRole("heading", { name: "General" }).waitFor();
    await messageList(mary).locator("li.msg").first().waitFor();
    // Unread elsewhere before (the demo's conversations), counted in the title.
    await mary.waitForFunction(() => document.title.includes("General"), undefined, byTimer);
    const before = await titleCount(mary);
    await setHidden(mary, true);

    const stamp = Date.now();
    const pablo = await pabloWrites(stamp);
    await chats(pablo).getByRole("button", { name: "Mary", exact: true }).click();
    await pablo.getByRole("heading", { name: "Mary" }).waitFor();
    await sendMessage(pablo, `got a minute? ${stamp}`);

    // While in the background: the counts, the title and the notification, without a frame drawn.
    await chat(mary, "General").getByLabel(`${NEWS} unread`).waitFor();
    await mary.waitForFunction((n) => document.title.startsWith(`(${n}) `), before + NEWS + 1, byTimer);
    await mary.waitForFunction(() => (window as unknown as { __notifications: unknown[] }).__notifications.length > 0, undefined, byTimer);
    expect(await shownNotifications(mary)).toEqual([{ title: "Pablo", body: `got a minute? ${stamp}`, tag: expect.stringMatching(/^message:/) }]);

    // In front again: the open room's news is drawn from a "New messages" line, in view, and read.
    await setHidden(mary, false);
    await inView(mary, null);
    await inView(mary, `news 1 while Mary is away ${stamp}`);
    await chat(mary, "General").locator(".badge").waitFor({ state: "detached" });
    await mary.waitForFunction((n) => document.title.startsWith(`(${n}) `), before + 1, byTimer);
  });

  it("a tab closed right after reading still tells the server what was read", async () => {
    const { page: mary } = await newPage(env.browser);
    await signIn(mary, env.stack.url, "Mary");
    await mary.getByRole("heading", { name: "General" }).waitFor();
    await messageList(mary).locator("li.msg").first().waitFor();
    const stamp = Date.now();
    const joe = await connect(env.stack.url, (await login(env.stack.url, "Joe")).cookie);
    let id = "";
    try {
      const ack = await send(joe, { roomId: "0", message: `read then closed ${stamp}`, clientId: `bg-close-${stamp}` });
      if (!ack.ok) throw new Error(ack.error);
      id = ack.message.id;
    } finally {
      joe.disconnect();
    }
    // Seen, then the tab goes at once: before the read mark's settling delay (400 ms) has passed.
    await inView(mary, `read then closed ${stamp}`);
    await mary.close({ runBeforeUnload: true });
    const { user, cookie } = await login(env.stack.url, "Mary");
    await expect.poll(async () => {
      const rooms = (await api(env.stack.url, `/rooms/${user.id}`, cookie)).body as { id: string; lastRead: string | null }[];
      return rooms.find((r) => r.id === "0")?.lastRead;
    }, { timeout: 5_000 }).toBe(id);
  });

  it("a tab opened in the background lays out its conversation when brought to front", async () => {
    // More than a screenful that Mary has read, so her news is not at the top of the list.
    const stamp = Date.now();
    const joe = await connect(env.stack.url, (await login(env.stack.url, "Joe")).cookie);
    let newestRead = "";
    try {
      for (let i = 1; i <= 20; i++) {
        const ack = await send(joe, { roomId: "0", message: `read before ${i} ${stamp}`, clientId: `bg-read-${i}-${stamp}` });
        if (!ack.ok) throw new Error(ack.error);
        newestRead = ack.message.id;
      }
    } finally {
      joe.disconnect();
    }
    const read = await api(env.stack.url, "/room/0/read", (await login(env.stack.url, "Mary")).cookie, { method: "PUT", body: JSON.stringify({ messageId: newestRead }) });
    expect(read.status).toBe(200);

    const { context, page: mary } = await newPage(env.browser);
    await canBeHidden(context, true);
    await signIn(mary, env.stack.url, "Mary");
    await mary.getByRole("heading", { name: "General" }).waitFor();
    await pabloWrites(stamp);
    // Arrived while nothing was drawn.
    await chat(mary, "General").getByLabel(`${NEWS} unread`).waitFor();
    await setHidden(mary, false);
    await inView(mary, null);
    await inView(mary, `news 1 while Mary is away ${stamp}`);
    await chat(mary, "General").locator(".badge").waitFor({ state: "detached" });
    // From there on the list is a list like any other: the End key reaches the newest message.
    await messageList(mary).locator("xpath=..").focus();
    await mary.keyboard.press("End");
    await inView(mary, `news ${NEWS} while Mary is away ${stamp}`);
  });
});
