import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { api, login } from "../support/chat-client.js";
import { axeViolations } from "./axe.js";
import { chats, messageList, newPage, signIn, useBrowserStack } from "./harness.js";

const SHOTS = process.env.SCREENSHOT_DIR;
const PLACE = "Zürich Crew";
const env = useBrowserStack({ adminUsernames: ["Pablo"] });

let pablo: Awaited<ReturnType<typeof login>>;
let joe: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  pablo = await login(env.stack.url, "Pablo");
  joe = await login(env.stack.url, "Joe");
  const renamed = await api(env.stack.url, "/place/settings", pablo.cookie, { method: "PATCH", body: JSON.stringify({ placeName: PLACE }) });
  expect(renamed.status).toBe(200);
});

async function post(roomId: string, message: string): Promise<string> {
  const res = await api(env.stack.url, `/room/${roomId}/messages`, joe.cookie, { method: "POST", body: JSON.stringify({ message }) });
  expect(res.status).toBeLessThan(300);
  return res.body.id as string;
}

function generalRow(page: Page) {
  return chats(page).getByRole("listitem").filter({ has: page.getByRole("button", { name: "General", exact: true }) });
}

/** The row's message is on screen (drawn by the windowed list and inside the viewport). */
async function shown(page: Page, id: string) {
  await page.waitForFunction((messageId) => {
    const li = document.querySelector(`li[data-id="${messageId}"]`);
    if (!li) return false;
    const box = li.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight;
  }, id, { timeout: 15_000 });
}

describe("web client: the address, the title and the sidebar follow what is shown", () => {
  it("a search result's permalink replaces the one opened before, survives a reload, and gives way to the room's at the newest messages; the sidebar keeps the room's latest message", async () => {
    const stamp = Date.now();
    const old = await post("0", `old target alpha${stamp}`);
    for (let i = 0; i < 40; i++) await post("0", `filler before ${i}`);
    const found = await post("0", `search target beta${stamp}`);
    for (let i = 0; i < 60; i++) await post("0", `filler after ${i}`);
    await post("0", `the newest words ${stamp}`);

    const { page } = await newPage(env.browser, { width: 1440, height: 900 });
    await signIn(page, env.stack.url, "Pablo");
    await page.goto(`${env.stack.url}/#/room/0/message/${old}`);
    await shown(page, old);
    // The room's latest message stays in the sidebar, not the end of the window around the old one.
    await generalRow(page).getByText(`the newest words ${stamp}`).waitFor();

    await page.keyboard.press("Control+K");
    await page.getByRole("combobox", { name: "Search messages" }).waitFor();
    await page.keyboard.type(`beta${stamp}`);
    await page.getByRole("option").first().waitFor({ timeout: 10_000 });
    await page.keyboard.press("Enter");
    await shown(page, found);
    expect(await page.evaluate(() => location.hash)).toBe(`#/room/0/message/${found}`);
    await generalRow(page).getByText(`the newest words ${stamp}`).waitFor();

    await page.reload();
    await shown(page, found);
    expect(await page.evaluate(() => location.hash)).toBe(`#/room/0/message/${found}`);

    // Back at the newest messages, with the found one out of sight: the address is the room's.
    const list = await page.locator('[aria-label="Conversation history"]').boundingBox();
    await page.mouse.move(list!.x + list!.width / 2, list!.y + list!.height / 2);
    await expect.poll(async () => {
      await page.mouse.wheel(0, 2000);
      return page.evaluate(() => location.hash);
    }, { timeout: 15_000, interval: 200 }).toBe("#/room/0");
    await messageList(page).getByText(`the newest words ${stamp}`).waitFor();
  });

  it("a permalink to a message in a room one is not in says so, opened afresh or followed on an open page, instead of silently showing General", async () => {
    const made = await api(env.stack.url, "/rooms", joe.cookie, { method: "POST", body: JSON.stringify({ name: `joe-only-${Date.now()}`, visibility: "closed" }) });
    expect(made.status).toBe(201);
    const roomId = made.body.id as string;
    const messageId = await post(roomId, "not for Pablo");
    const { page } = await newPage(env.browser, { width: 1440, height: 900 });
    await signIn(page, env.stack.url, "Pablo");
    await generalRow(page).waitFor();
    // Followed on the open page (a link clicked, the address changed).
    await page.evaluate((hash) => { location.hash = hash; }, `#/room/${roomId}/message/${messageId}`);
    const notice = page.getByRole("status").filter({ hasText: "That message is in a room you are not in." });
    await notice.waitFor();
    await notice.getByRole("button", { name: "OK" }).click();
    await notice.waitFor({ state: "detached" });
    // Opened afresh (a new tab, a reload).
    await page.reload();
    await notice.waitFor();
    expect(page.url()).not.toContain(`/message/${messageId}`);
    // A closed room is never offered to join, nor named (Pablo, an administrator, may read its details).
    expect(await page.getByRole("button", { name: /^Join/ }).count()).toBe(0);
    expect(await notice.textContent()).not.toContain("joe-only");
  });

  // One open room, made once for both sizes: a message followed by enough others that the room opens
  // on them, so the link has to be followed to it.
  let harbour: Promise<{ roomId: string; messageId: string; link: string }> | undefined;
  const harbourRoom = () => (harbour ??= (async () => {
    const made = await api(env.stack.url, "/rooms", joe.cookie, { method: "POST", body: JSON.stringify({ name: "Harbour Watch", visibility: "open" }) });
    expect(made.status).toBe(201);
    const roomId = made.body.id as string;
    const messageId = await post(roomId, "the ferry docks at pier 4");
    for (let i = 0; i < 30; i++) await post(roomId, `harbour log ${i}`);
    return { roomId, messageId, link: `#/room/${roomId}/message/${messageId}` };
  })());

  for (const [viewport, reader] of [[{ width: 1280, height: 800 }, "Mary"], [{ width: 390, height: 844 }, "Alex"]] as const) {
    it(`a permalink to a message in an open room one is not in offers to join it, and joining shows the message highlighted (${viewport.width}px)`, async () => {
      const { messageId, link } = await harbourRoom();
      const { context, page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, reader);
      // Followed on the open page on a desktop; opened afresh (a new tab) on the phone.
      if (viewport.width < 500) {
        await page.goto(`${env.stack.url}/${link}`);
        await page.reload();
      } else {
        await generalRow(page).waitFor();
        await page.evaluate((hash) => { location.hash = hash; }, link);
      }
      const notice = page.getByRole("status").filter({ hasText: "That message is in “Harbour Watch”, an open room you are not in." });
      await notice.waitFor({ timeout: 15_000 });
      // Meanwhile the page shows what it showed before (General on a desktop), not a room it cannot load.
      if (viewport.width >= 500) await page.getByRole("heading", { name: "General", level: 2 }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/permalink-join-offer-${viewport.width}.png` });
      // The highlight lasts 1.6 s: watched for from before the click, so a slow machine does not miss it.
      await page.evaluate((id) => {
        const seen = window as unknown as { flashed?: boolean };
        new MutationObserver(() => {
          if (document.querySelector(`li[data-id="${id}"].msg--flash`)) seen.flashed = true;
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
      }, messageId);
      await notice.getByRole("button", { name: "Join Harbour Watch to see it" }).click();
      await notice.waitFor({ state: "detached" });
      await shown(page, messageId);
      await page.waitForFunction(() => (window as unknown as { flashed?: boolean }).flashed === true, undefined, { timeout: 15_000 });
      expect(await messageList(page).locator(`li[data-id="${messageId}"] .msg__text`).textContent()).toContain("the ferry docks at pier 4");
      expect(await page.evaluate(() => location.hash)).toBe(link);
      // Listed among one's rooms (beside the room on a desktop; a phone shows one at a time).
      if (viewport.width >= 500) await chats(page).getByRole("button", { name: "Harbour Watch" }).waitFor();
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/permalink-joined-${viewport.width}.png` });
      await context.close();
    });
  }

  it("the place's name titles the tab before the server has answered, and names the app in the notification prompt", async () => {
    const { page } = await newPage(env.browser, { width: 1440, height: 900 });
    await signIn(page, env.stack.url, "Mary");
    await expect.poll(() => page.title()).toContain(PLACE);
    const prompt = page.getByRole("region", { name: "Get notified" });
    await prompt.getByText(`while ${PLACE} is in the background`).waitFor();
    expect(await page.getByText("Redis Chat").count()).toBe(0);

    // The next visit: the session check held back, the splash already has the place's name as title.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    await page.route("**/me", async (route) => {
      await held;
      await route.continue();
    });
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.locator(".splash").waitFor();
    expect(await page.title()).toBe(PLACE);
    release();
    await page.getByRole("button", { name: "Log out" }).waitFor();
  });

  it("closed rooms show a lock, said in words, where open rooms show #", async () => {
    const stamp = Date.now() % 100000;
    const make = async (name: string, visibility: "open" | "closed") => {
      const res = await api(env.stack.url, "/rooms", pablo.cookie, { method: "POST", body: JSON.stringify({ name, visibility }) });
      expect(res.status).toBeLessThan(300);
    };
    await make(`secret-${stamp}`, "closed");
    await make(`ops-${stamp}`, "open");
    for (const viewport of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
      for (const colorScheme of ["light", "dark"] as const) {
        const { page } = await newPage(env.browser, viewport, { colorScheme });
        await signIn(page, env.stack.url, "Pablo");
        const closed = chats(page).getByRole("button", { name: `secret-${stamp}`, exact: true });
        const open = chats(page).getByRole("button", { name: `ops-${stamp}`, exact: true });
        await closed.waitFor();
        expect(await closed.getAttribute("aria-description") ?? await describedBy(closed)).toContain("Closed room");
        expect(await describedBy(open)).not.toContain("Closed room");
        const item = (name: string) => chats(page).getByRole("listitem").filter({ has: page.getByRole("button", { name, exact: true }) });
        expect(await item(`secret-${stamp}`).locator(".avatar__lock").count()).toBe(1);
        expect(await item(`ops-${stamp}`).locator(".avatar__lock").count()).toBe(0);
        expect(await item(`ops-${stamp}`).locator(".avatar text").textContent()).toBe("#");
        await closed.click();
        await page.getByRole("heading", { name: `secret-${stamp}` }).waitFor();
        expect(await page.locator(".room__header .avatar__lock").count()).toBe(1);
        await page.locator(".room__subtitle").getByText("Closed room.").waitFor({ state: "attached" });
        if (SHOTS && viewport.width < 500) {
          await page.getByRole("button", { name: "Back to chats" }).click();
          await closed.waitFor();
        }
        if (SHOTS) await page.screenshot({ path: `${SHOTS}/rooms-lock-${viewport.width}-${colorScheme}.png` });
        await page.context().close();
      }
    }
  });
});

/** The text of the element(s) a control's aria-describedby names. */
function describedBy(locator: ReturnType<Page["locator"]>): Promise<string> {
  return locator.evaluate((el) => (el.getAttribute("aria-describedby") ?? "").split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? "").join(" "));
}
