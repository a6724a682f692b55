import { mkdirSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { axeViolations } from "./axe.js";
import { chats, messageList, newPage, sendMessage, useBrowserStack, waitOnline } from "./harness.js";
import { accountsByApi } from "./accounts-by-api.js";

/**
 * A page that was offline (network down, laptop asleep) when its session was ended, by a ban or by
 * "Sign out everywhere" on another device, hears nothing at the time. When it comes back, the
 * refused reconnection (or a request answered 401) says why, and the page goes to the sign-in form
 * with that notice, keeping what it had not sent. Desktop (1280x800) and phone (390x844).
 */
const env = useBrowserStack({ demoData: false, adminUsernames: ["alice"] });
const SIZES = [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 844 }]] as const;
const PASSWORD = "a-long-password";
const SHOTS = "/tmp/ended-offline-shots";
mkdirSync(SHOTS, { recursive: true });

const { account, as, signInAs: signInByForm } = accountsByApi(env, PASSWORD);

async function signInAs(page: Page, username: string): Promise<void> {
  await signInByForm(page, username);
  if (!(await page.getByRole("heading", { name: "General", exact: true }).isVisible())) {
    await chats(page).getByRole("button", { name: /^General/ }).first().click();
    await page.getByRole("heading", { name: "General", exact: true }).waitFor();
  }
}

/** Takes the page's network away and waits until the page knows (its live connection is gone). */
async function goOffline(context: BrowserContext, page: Page): Promise<void> {
  await context.setOffline(true);
  await page.getByText("Connection lost").waitFor({ timeout: 15_000 });
}

/** Sends a message while offline: it waits in the outbox, shown as sending. */
async function sendWhileOffline(page: Page, text: string): Promise<void> {
  await sendMessage(page, text);
  await messageList(page).locator(".msg--pending").getByText(text).waitFor();
}

async function storedTexts(): Promise<string[]> {
  const page = (await as(await account("alice"), "GET", "/room/0/messages?offset=0&size=100")) as { message: string }[];
  return page.map((m) => m.message);
}

/**
 * Follows a page's requests: `settled()` resolves once none has been in flight for a while. Coming
 * online, the page asks for its role and profile (and fills in its time zone); a ban made before those
 * are answered would be found by them, not by the request a test means.
 */
function followRequests(page: Page): { settled(): Promise<void> } {
  const followed = (r: { resourceType(): string }) => r.resourceType() === "fetch" || r.resourceType() === "xhr";
  let inFlight = 0;
  let lastChange = Date.now();
  page.on("request", (r) => { if (followed(r)) { inFlight++; lastChange = Date.now(); } });
  const ended = (r: { resourceType(): string }) => { if (followed(r)) { inFlight--; lastChange = Date.now(); } };
  page.on("requestfinished", ended);
  page.on("requestfailed", ended);
  return {
    async settled() {
      const deadline = Date.now() + 10_000;
      while ((inFlight > 0 || Date.now() - lastChange < 500) && Date.now() < deadline) await page.waitForTimeout(50);
      expect(inFlight, "requests still in flight").toBe(0);
    },
  };
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });

// The first account made is an administrator (and administrators cannot be banned): alice, first.
beforeAll(() => account("alice"));

describe("web client: a session ended while the page was offline", () => {
  for (const [size, viewport] of SIZES) {
    it(`banned while offline: back online, the page says the account was banned and why, and keeps the unsent message without sending it (${size})`, async () => {
      const name = `offline-carol-${size}`;
      const carol = await account(name);
      const { context, page } = await newPage(env.browser, viewport);
      await signInAs(page, name);
      await goOffline(context, page);
      const text = `sent while offline by ${name}`;
      await sendWhileOffline(page, text);

      await as(await account("alice"), "POST", `/users/${carol.id}/ban`, { reason: "spam while away" });
      // Back online, the chat's requests are answered "unavailable" (those of the sign-in page
      // pass): only the refused reconnection can say why.
      await page.route((url) => !["/me", "/setup", "/registration"].includes(url.pathname), (route) =>
        route.request().resourceType() === "fetch"
          ? route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ message: "unavailable" }) })
          : route.continue());
      await context.setOffline(false);

      const notice = page.getByRole("alert").filter({ hasText: "This account was banned by an administrator." });
      await notice.waitFor({ timeout: 15_000 });
      await notice.getByText("Reason given: spam while away").waitFor();
      const held = page.getByRole("region", { name: "Messages not sent" });
      await held.getByText(text).waitFor();
      await held.getByText("The account can no longer post", { exact: false }).waitFor();
      expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(0);
      expect((await axeViolations(page)).join("\n")).toBe("");
      await shot(page, `banned-offline-${size}`);
      expect(await storedTexts()).not.toContain(text);
    });

    it(`signed out everywhere while offline: back online, the page says it was signed out from another device and sends the kept message after signing in again (${size})`, async () => {
      const name = `offline-bob-${size}`;
      const bob = await account(name);
      const { context, page } = await newPage(env.browser, viewport);
      await signInAs(page, name);
      await goOffline(context, page);
      const text = `typed offline by ${name}`;
      await sendWhileOffline(page, text);

      // Another device signs out everywhere (its own cookie: the one the account was made with).
      await as(bob, "POST", "/logout/everywhere", {});
      await context.setOffline(false);

      await page.getByRole("alert").filter({ hasText: "You were signed out from another device." }).waitFor({ timeout: 15_000 });
      const held = page.getByRole("region", { name: "Messages not sent" });
      await held.getByText(text).waitFor();
      expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(0);
      expect((await axeViolations(page)).join("\n")).toBe("");
      await shot(page, `signed-out-everywhere-offline-${size}`);
      expect(await storedTexts()).not.toContain(text);

      await page.getByLabel("Username").fill(name);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await messageList(page).locator(".msg:not(.msg--pending)").getByText(text, { exact: true }).waitFor({ timeout: 15_000 });
      expect((await storedTexts()).filter((t) => t === text)).toHaveLength(1);
    });
  }

  it("signed out in another tab while this one was offline: back online, it says so (the shared cookie is gone, so the server cannot)", async () => {
    const name = "offline-dora";
    await account(name);
    const { context, page } = await newPage(env.browser, SIZES[0][1]);
    await signInAs(page, name);
    const other = await context.newPage();
    await other.goto(env.stack.url);
    await waitOnline(other);
    // This tab alone goes offline (setOffline would take the whole browser context).
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    const offline = (on: boolean) => cdp.send("Network.emulateNetworkConditions", { offline: on, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await offline(true);
    await page.getByText("Connection lost").waitFor({ timeout: 15_000 });
    const text = `typed offline by ${name}`;
    await sendWhileOffline(page, text);

    await other.getByRole("button", { name: "Log out" }).click();
    await other.getByLabel("Username").waitFor();
    await offline(false);

    await page.getByRole("alert").filter({ hasText: "You signed out in another tab or window of this browser." }).waitFor({ timeout: 15_000 });
    await page.getByRole("region", { name: "Messages not sent" }).getByText(text).waitFor();
    // The tab that signed out itself needs no explanation.
    expect(await other.getByRole("alert").count()).toBe(0);
    await shot(page, "signed-out-other-tab-offline-desktop");
  });

  it("a request answered 401 says why the session ended, though the live connection was not told", async () => {
    const name = "rest-erin";
    const erin = await account(name);
    const { page } = await newPage(env.browser, SIZES[0][1]);
    // The live connection passes through the test, which can make it deaf: from then on nothing the
    // server sends reaches the page, nor does the server's closing it (the page still thinks it is online).
    let deaf = false;
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => { if (!deaf) ws.send(message); });
      server.onClose(() => {});
    });
    const requests = followRequests(page);
    await signInAs(page, name);
    await requests.settled();
    deaf = true;
    await as(await account("alice"), "POST", `/users/${erin.id}/ban`, { reason: "found out by a request" });
    // Had the connection not been deaf, the page would be at the sign-in form within this time.
    await page.waitForTimeout(500);
    expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(1);
    // Opening a conversation with someone new asks the server for it: answered 401.
    await page.getByRole("button", { name: "Message alice" }).click();
    const notice = page.getByRole("alert").filter({ hasText: "This account was banned by an administrator." });
    await notice.waitFor({ timeout: 15_000 });
    await notice.getByText("Reason given: found out by a request").waitFor();
  });
});
