import { describe, expect, it } from "vitest";
import type { BrowserContext } from "playwright-core";
import { PushPayload } from "../../src/protocol/index.js";
import { answerPermissionPrompt, canBeHidden, chats, newPage, recordNotifications, sendMessage, setHidden, shownNotifications, signIn, useBrowserStack } from "./harness.js";

const env = useBrowserStack();

/**
 * A page whose Notification API is a recorder (headless Chromium shows no desktop notifications)
 * with permission `permission`, and which the test can put in the background (`setHidden`).
 */
async function withFakeNotifications(context: BrowserContext, permission: NotificationPermission): Promise<void> {
  await recordNotifications(context, permission);
  await canBeHidden(context);
}

describe("web client: installable app and notifications", () => {
  it("links a manifest with 192 and 512 px icons and registers the service worker at /sw.js", async () => {
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Pablo");
    const href = await page.locator('link[rel="manifest"]').getAttribute("href");
    expect(href).toBe("/manifest.webmanifest");
    const manifest = await (await page.request.get(`${env.stack.url}${href}`)).json();
    expect(manifest).toMatchObject({ name: "Redis Chat", start_url: "/", display: "standalone" });
    for (const size of ["192x192", "512x512"]) {
      const icon = (manifest.icons as { src: string; sizes: string }[]).find((i) => i.sizes === size)!;
      const response = await page.request.get(`${env.stack.url}${icon.src}`);
      expect(response.status()).toBe(200);
      expect(response.headers()["content-type"]).toBe("image/png");
    }
    const scriptURL = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
    expect(scriptURL).toBe(`${env.stack.url}/sw.js`);
    const csp = (await page.request.get(env.stack.url)).headers()["content-security-policy"];
    expect(csp).toContain("worker-src 'self'");
    expect(csp).toContain("manifest-src 'self'");
  });

  it("the service worker shows a Web Push message, one notification per room, carrying the message to open (its permalink)", async () => {
    const { context, page } = await newPage(env.browser);
    await context.grantPermissions(["notifications"], { origin: env.stack.url });
    await signIn(page, env.stack.url, "Alex");
    await page.evaluate(async () => void (await navigator.serviceWorker.ready));
    const cdp = await context.newCDPSession(page);
    const registrations: { registrationId: string; isDeleted: boolean }[] = [];
    cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => registrations.push(...event.registrations));
    await cdp.send("ServiceWorker.enable");
    const deadline = Date.now() + 5000;
    while (!registrations.some((r) => !r.isDeleted) && Date.now() < deadline) await page.waitForTimeout(50);
    const registrationId = registrations.find((r) => !r.isDeleted)!.registrationId;
    // What the server sends (decrypted by the browser before the worker sees it).
    const deliver = (payload: PushPayload) =>
      cdp.send("ServiceWorker.deliverPushMessage", { origin: env.stack.url, registrationId, data: JSON.stringify(PushPayload.parse(payload)) });
    await deliver({ title: "General", body: "Joe: @Alex first", roomId: "0", messageId: "1", reason: "mention", url: "/#/room/0/message/1" });
    await deliver({ title: "General", body: "Joe: @Alex second", roomId: "0", messageId: "2", reason: "mention", url: "/#/room/0/message/2" });
    await deliver({ title: "Mary", body: "lunch?", roomId: "3:4", messageId: "3", reason: "conversation", url: "/#/room/3:4" }); // as an older server sent it
    const notifications = () => page.evaluate(async () =>
      (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown })));
    let shown = await notifications();
    for (let i = 0; i < 100 && !shown.some((n) => n.body === "lunch?"); i++) shown = await page.waitForTimeout(50).then(notifications);
    expect(shown).toHaveLength(2);
    expect(shown).toEqual(expect.arrayContaining([
      { title: "General", body: "Joe: @Alex second", tag: "room:0", data: { url: "/#/room/0/message/2", roomId: "0", messageId: "2" } },
      { title: "Mary", body: "lunch?", tag: "room:3:4", data: { url: "/#/room/3:4/message/3", roomId: "3:4", messageId: "3" } },
    ]));
  });

  it("loads the app shell offline once the service worker has cached it", async () => {
    const { context, page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Joe");
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
      }
    });
    await context.setOffline(true);
    await page.reload();
    // The shell came from the cache and ran: the page says the server cannot be reached and offers to retry.
    await page.getByRole("button", { name: "Try again" }).waitFor();
    // Titled with the place's name, remembered in the browser from the visit before.
    expect(await page.title()).toBe("redis-chat");
    // Back online, it loads by itself (the page tries again on the browser's 'online' event).
    await context.setOffline(false);
    await page.getByRole("button", { name: "Log out" }).waitFor();
  });

  it("a private message while the tab is hidden shows a desktop notification; clicking it opens the room", async () => {
    const mary = await newPage(env.browser);
    await withFakeNotifications(mary.context, "granted");
    await signIn(mary.page, env.stack.url, "Mary");
    await mary.page.getByRole("heading", { name: "General" }).waitFor();

    const alex = await newPage(env.browser);
    await signIn(alex.page, env.stack.url, "Alex");
    await setHidden(mary.page, true);
    await sendMessage(alex.page, "General chatter that mentions no one");
    await alex.page.getByRole("button", { name: "Mary", exact: true }).first().click();
    await alex.page.getByRole("heading", { name: "Mary" }).waitFor();
    await sendMessage(alex.page, "Mary, got a minute?");

    await mary.page.waitForFunction(() => (window as unknown as { __notifications: unknown[] }).__notifications.length > 0);
    await mary.page.waitForTimeout(300);
    const shown = await shownNotifications(mary.page);
    expect(shown).toEqual([{ title: "Alex", body: "Mary, got a minute?", tag: expect.stringMatching(/^message:/) }]);

    await setHidden(mary.page, false);
    await mary.page.evaluate(() => (window as unknown as { __notifications: { click(): void }[] }).__notifications[0]!.click());
    await mary.page.getByRole("heading", { name: "Alex" }).waitFor();
    // The address is the message's own link (a reload shows the same message).
    expect(decodeURIComponent(new URL(mary.page.url()).hash)).toMatch(/^#\/room\/\d+:\d+\/message\/\S+$/);
  });

  it("no notification for a visible tab, nor from a room set to 'Nothing' in the header menu", async () => {
    const joe = await newPage(env.browser);
    await withFakeNotifications(joe.context, "granted");
    await signIn(joe.page, env.stack.url, "Joe");
    const pablo = await newPage(env.browser);
    await signIn(pablo.page, env.stack.url, "Pablo");
    await pablo.page.getByRole("button", { name: "Joe", exact: true }).first().click();
    await pablo.page.getByRole("heading", { name: "Joe" }).waitFor();
    await sendMessage(pablo.page, "visible tab: no notification");
    await joe.page.getByText("visible tab: no notification").first().waitFor();

    await chats(joe.page).getByRole("button", { name: "Pablo", exact: true }).click();
    await joe.page.getByRole("button", { name: "Notifications: Every message" }).click();
    await joe.page.getByRole("menuitemradio", { name: /Nothing/ }).click();
    await joe.page.getByRole("button", { name: "Notifications: Nothing" }).waitFor();
    await setHidden(joe.page, true);
    await sendMessage(pablo.page, "muted: no notification either");
    await joe.page.getByText("muted: no notification either").first().waitFor();
    await joe.page.waitForTimeout(300);
    expect(await shownNotifications(joe.page)).toEqual([]);

    // Kept on the server: a fresh page (another device) shows the same choice.
    const joe2 = await newPage(env.browser);
    await signIn(joe2.page, env.stack.url, "Joe");
    await chats(joe2.page).getByRole("button", { name: "Pablo", exact: true }).click();
    await joe2.page.getByRole("button", { name: "Notifications: Nothing" }).waitFor();
  });

  it("offers notifications in a banner, never the browser's prompt on load; 'Not now' keeps it closed", async () => {
    const { context, page } = await newPage(env.browser);
    await withFakeNotifications(context, "default");
    await signIn(page, env.stack.url, "Alex");
    const banner = page.getByRole("region", { name: "Get notified" });
    await banner.waitFor();
    expect(await page.evaluate(() => Notification.permission)).toBe("default");
    await banner.getByRole("button", { name: "Not now" }).click();
    await banner.waitFor({ state: "detached" });
    await page.reload();
    await page.getByRole("button", { name: "Log out" }).waitFor();
    await page.waitForTimeout(300);
    expect(await banner.count()).toBe(0);
  });

  it("with a room's Details open the sidebar narrows: the banner's title stays whole and its buttons inside (they go under it)", async () => {
    const { context, page } = await newPage(env.browser, { width: 1440, height: 900 });
    await withFakeNotifications(context, "default");
    await signIn(page, env.stack.url, "Alex");
    expect(await page.evaluate(async (body) => (await fetch("/rooms", { method: "POST", headers: { "content-type": "application/json" }, body })).status,
      JSON.stringify({ name: "narrow-sidebar" }))).toBe(201);
    await chats(page).getByRole("button", { name: /^narrow-sidebar/ }).first().click();
    await page.getByRole("button", { name: "Details" }).click();
    const banner = page.getByRole("region", { name: "Get notified" });
    await banner.waitFor();
    const title = banner.getByText("Get notified", { exact: true });
    expect(await title.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    const edge = (await banner.boundingBox())!;
    for (const name of ["Turn on", "Not now"]) {
      const button = (await banner.getByRole("button", { name }).boundingBox())!;
      expect(button.x + button.width, name).toBeLessThanOrEqual(edge.x + edge.width);
    }
  });

  it("'Turn on' in the banner asks the browser for permission, and the banner goes", async () => {
    const { context, page } = await newPage(env.browser);
    await withFakeNotifications(context, "default");
    await signIn(page, env.stack.url, "Mary");
    const banner = page.getByRole("region", { name: "Get notified" });
    await banner.getByRole("button", { name: "Turn on" }).click();
    await banner.waitFor({ state: "detached" });
    expect(await page.evaluate(() => Notification.permission)).toBe("granted");
  });

  it("'Turn on' answers the click at once, and a refusal says notifications are blocked and where to allow them", async () => {
    const { context, page } = await newPage(env.browser);
    await recordNotifications(context, "default", { answer: "denied", held: true });
    await signIn(page, env.stack.url, "Joe");
    const banner = page.getByRole("region", { name: "Get notified" });
    await banner.getByRole("button", { name: "Turn on" }).click();
    // The browser has not answered yet: the card says it is waiting, and nothing can be clicked twice.
    await banner.getByRole("button", { name: "Asking…" }).waitFor();
    expect(await banner.getByRole("button", { name: "Asking…" }).isDisabled()).toBe(true);
    await banner.getByRole("status").getByText("Answer your browser's question").waitFor();
    await answerPermissionPrompt(page);
    const blocked = page.getByRole("region", { name: "Notifications are blocked" });
    await blocked.getByRole("alert").getByText(/open the site settings .* set Notifications to Allow/).waitFor();
    await blocked.getByRole("button", { name: "OK" }).click();
    await blocked.waitFor({ state: "detached" });
    expect(await banner.count()).toBe(0);
  });
});
