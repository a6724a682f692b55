import { mkdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { api, login } from "../support/chat-client.js";
import { axeViolations } from "./axe.js";
import { messageList, newPage, sendMessage, signIn, useBrowserStack, waitOnline } from "./harness.js";

/**
 * Coming back after the network went away: the banner says so briefly and goes; a page reloaded
 * while offline (the service worker's shell, the server out of reach) loads by itself once the
 * network is back, and sends what was typed offline, once.
 */
const env = useBrowserStack();
const SHOTS = "/tmp/connection-return";
mkdirSync(SHOTS, { recursive: true });

const banner = (page: Page) => page.locator(".banner-slot");

/** How many times General holds `text`, as the REST API serves it. */
async function storedCount(text: string): Promise<number> {
  const joe = await login(env.stack.url, "Joe");
  const page = await api(env.stack.url, "/room/0/messages?offset=0&size=100", joe.cookie);
  return (page.body as { message: string }[]).filter((m) => m.message === text).length;
}

describe("web client: back after being offline", () => {
  it("says 'Back online.' when the network returns, never on the first connection, and the banner is gone a few seconds later", async () => {
    const { context, page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Mary");
    await page.waitForTimeout(500);
    expect(await banner(page).textContent()).toBe("");

    await context.setOffline(true);
    await banner(page).getByText("Connection lost").waitFor({ timeout: 5_000 });
    await page.waitForTimeout(2_000);
    await context.setOffline(false);
    await banner(page).getByText("Back online.").waitFor({ timeout: 15_000 });
    const back = Date.now();
    await banner(page).getByText("Back online.").waitFor({ state: "detached", timeout: 6_000 });
    expect(Date.now() - back).toBeGreaterThan(1_500);
    await page.waitForTimeout(1_000);
    expect(await banner(page).textContent()).toBe("");
  });

  it("a page reloaded while offline says its unsent message is kept, loads by itself when the network is back, and sends the message once", async () => {
    const { context, page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Pablo");
    // The service worker keeps the shell, so the reload while offline has a page to show.
    await shellCached(page);

    await context.setOffline(true);
    await banner(page).getByText("Connection lost").waitFor({ timeout: 5_000 });
    const text = `typed offline, then reloaded ${Date.now()}`;
    await sendMessage(page, text);
    await messageList(page).getByText("Sending…").waitFor();

    await page.reload();
    await page.getByRole("alert").getByText("Cannot reach the server").waitFor({ timeout: 10_000 });
    await page.getByText("1 unsent message is kept in this browser; it will be sent when the connection is back.").waitFor();
    expect((await axeViolations(page)).join("\n")).toBe("");
    await page.screenshot({ path: `${SHOTS}/unreachable-desktop.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${SHOTS}/unreachable-phone.png` });
    await page.setViewportSize({ width: 1280, height: 800 });
    // Its own tries meanwhile fail quietly: the screen stays, no "Loading…" between them.
    await page.waitForTimeout(2_500);
    await page.getByRole("alert").getByText("Cannot reach the server").waitFor({ timeout: 1_000 });

    await context.setOffline(false);
    // No click on "Try again".
    await waitOnline(page);
    await messageList(page).locator(".msg:not(.msg--pending)").getByText(text, { exact: true }).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(1_000);
    expect(await messageList(page).getByText(text, { exact: true }).count()).toBe(1);
    expect(await storedCount(text)).toBe(1);
    expect(await banner(page).getByText("Back online.").count()).toBe(0);
  });

  it("a page reloaded while the server is down (the network is fine) keeps trying by itself and loads once the server is back", async () => {
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Alex");
    await shellCached(page);
    await env.stack.restartServer(0, async () => {
      await page.reload();
      await page.getByRole("alert").getByText("Cannot reach the server").waitFor({ timeout: 10_000 });
      // No browser 'online' event will come: only its own tries, with a growing wait, bring it back.
      await page.waitForTimeout(2_000);
      expect(await page.getByRole("button", { name: "Try again" }).count()).toBe(1);
    });
    await waitOnline(page);
  });
});

/** The service worker controls the page: a reload without the server still has the app's shell. */
async function shellCached(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
    }
  });
}
