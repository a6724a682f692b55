import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { api, login } from "../support/chat-client.js";
import { chats, messageList, newPage, signIn, useBrowserStack } from "./harness.js";

const env = useBrowserStack();
const PHONE = { width: 390, height: 844 };

/** A named room made over the API by `owner`, with `members` in it and `posts` sent there by the owner. */
async function roomWith(owner: string, name: string, topic: string, members: string[], posts: string[] = []) {
  const signedIn = await login(env.stack.url, owner);
  const ids = await Promise.all(members.map(async (m) => (await login(env.stack.url, m)).user.id));
  const made = await api(env.stack.url, "/rooms", signedIn.cookie, { method: "POST", body: JSON.stringify({ name, topic, members: ids }) });
  expect(made.status).toBe(201);
  const roomId = made.body.id as string;
  const messageIds: string[] = [];
  for (const message of posts) {
    const sent = await api(env.stack.url, `/room/${roomId}/messages`, signedIn.cookie, { method: "POST", body: JSON.stringify({ message }) });
    messageIds.push(sent.body.id as string);
  }
  return { roomId, messageIds, cookie: signedIn.cookie };
}

/** What of the header is cut: the title and each part of the subtitle, by their text; and whether it all fits the screen. */
function headerFit(page: Page) {
  return page.evaluate(() => {
    const header = document.querySelector<HTMLElement>(".room__header")!;
    const cut = (el: HTMLElement) => el.scrollWidth > el.clientWidth + 1;
    const title = header.querySelector<HTMLElement>("#room-title")!;
    const parts = [...header.querySelectorAll<HTMLElement>(".room__subtitle-part")];
    const right = Math.max(...[...header.children].map((c) => c.getBoundingClientRect().right));
    return {
      titleCut: cut(title),
      cutParts: parts.filter(cut).map((p) => p.textContent),
      shownParts: parts.filter((p) => p.offsetWidth > 0).map((p) => p.textContent),
      fits: right <= window.innerWidth && header.scrollWidth <= header.clientWidth,
      titleEllipsis: getComputedStyle(title).textOverflow,
    };
  });
}

describe("web client on a phone: the room", () => {
  it("a short room name, its member count and its pin count show whole in the header at 390 and 320 px; a long name ends in an ellipsis", async () => {
    const site = await roomWith("Alex", "site-visits", "Team leads and the site crew, for the photos of every visit", ["Mary"], ["Private room for site visit photos"]);
    const pinned = await api(env.stack.url, `/room/${site.roomId}/pins/${site.messageIds[0]}`, site.cookie, { method: "PUT" });
    expect(pinned.status).toBe(200);
    await roomWith("Alex", "a-room-whose-name-is-far-too-long-for-any-phone", "", ["Mary"]);

    for (const width of [390, 320]) {
      for (const colorScheme of ["light", "dark"] as const) {
        const { context, page } = await newPage(env.browser, { width, height: 844 }, { colorScheme });
        await signIn(page, env.stack.url, "Mary");
        await chats(page).getByRole("button", { name: "site-visits", exact: true }).click();
        await page.getByRole("heading", { name: "site-visits" }).waitFor();
        await page.locator(".room__subtitle", { hasText: "2 members" }).waitFor();
        await page.getByRole("button", { name: "Pinned messages (1)" }).waitFor();
        const fit = await headerFit(page);
        const topic = "Team leads and the site crew, for the photos of every visit";
        // At 390 px the topic is cut before the member count; at 320 px it is left to the room's details.
        expect(fit, `site-visits at ${width} ${colorScheme}`).toMatchObject(width === 390
          ? { titleCut: false, cutParts: [topic], shownParts: [topic, "2 members"], fits: true }
          : { titleCut: false, cutParts: [], shownParts: ["2 members"], fits: true });
        // What is drawn, separators included: no " · " left over from a part not shown.
        const drawn = await page.locator(".room__subtitle").evaluate((el) =>
          [...el.children].filter((c) => (c as HTMLElement).offsetWidth > 0).map((c) => c.textContent).join(""));
        expect(drawn).toBe(width === 390 ? `${topic} · 2 members` : "2 members");
        await page.locator(".room__header").screenshot({ path: `/tmp/phone-header-${width}-${colorScheme}.png` });
        await page.screenshot({ path: `/tmp/phone-room-${width}-${colorScheme}.png` });

        await page.getByRole("button", { name: "Back to chats" }).click();
        await chats(page).getByRole("button", { name: "a-room-whose-name-is-far-too-long-for-any-phone", exact: true }).click();
        await page.getByRole("heading", { name: "a-room-whose-name-is-far-too-long-for-any-phone" }).waitFor();
        await page.locator(".room__subtitle", { hasText: "2 members" }).waitFor();
        const long = await headerFit(page);
        expect(long, `the long name at ${width} ${colorScheme}`).toMatchObject({ titleCut: true, titleEllipsis: "ellipsis", cutParts: [], fits: true });
        await page.locator(".room__header").screenshot({ path: `/tmp/phone-header-long-${width}-${colorScheme}.png` });
        await context.close();
      }
    }
  });

  it("an empty room says hello without naming keyboard keys on a phone, and with them on a desktop", async () => {
    await roomWith("Joe", "quiet-corner", "", ["Mary"]);
    for (const viewport of [PHONE, { width: 1280, height: 800 }]) {
      const { context, page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Mary");
      await chats(page).getByRole("button", { name: "quiet-corner", exact: true }).click();
      const hello = messageList(page).getByText("Say hello!");
      await hello.waitFor();
      const shown = await hello.evaluate((p) => (p as HTMLElement).innerText.trim());
      expect(shown, `at ${viewport.width}`).toBe(viewport === PHONE ? "Say hello!" : "Say hello! Press Enter to send, Shift+Enter for a new line.");
      await context.close();
    }
  });

  it("Escape closes the room details panel and gives the keyboard back to its button, on a phone from anywhere, on a desktop from inside it", async () => {
    await roomWith("Pablo", "escape-hatch", "where Escape is tried", ["Mary"]);
    for (const viewport of [PHONE, { width: 1280, height: 800 }]) {
      const { context, page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Mary");
      await chats(page).getByRole("button", { name: "escape-hatch", exact: true }).click();
      const details = page.getByRole("button", { name: "Room details" });
      const panel = page.getByRole("complementary", { name: "Room details" });
      await details.click();
      await panel.getByRole("heading", { name: "escape-hatch" }).waitFor();
      if (viewport === PHONE) {
        // The panel is the screen: the keyboard starts in it.
        expect(await panel.evaluate((el) => el.contains(document.activeElement))).toBe(true);
      } else {
        // Beside the room, Escape in the message box is the box's, not the panel's.
        await page.getByRole("textbox", { name: "Message" }).focus();
        await page.keyboard.press("Escape");
        expect(await panel.isVisible()).toBe(true);
        await panel.getByRole("button", { name: "Leave room" }).focus();
      }
      await page.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
      expect(await details.evaluate((el) => el === document.activeElement), `focus at ${viewport.width}`).toBe(true);
      expect(await details.getAttribute("aria-expanded")).toBe("false");
      await context.close();
    }
  });
});
