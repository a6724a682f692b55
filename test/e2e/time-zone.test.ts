import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { login } from "../support/chat-client.js";
import { signIn, useBrowserStack, waitOnline } from "./harness.js";

const env = useBrowserStack();

/** The person's time zone as the server has it. */
async function savedZone(username: string): Promise<string> {
  const { cookie } = await login(env.stack.url, username);
  const response = await fetch(`${env.stack.url}/me/profile`, { headers: { cookie } });
  return ((await response.json()) as { timeZone: string }).timeZone;
}

/** Signs `username` in from a browser in `timezoneId`, once its first sign-in has saved a zone. */
async function signedInFrom(timezoneId: string, username: string) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId });
  const page = await context.newPage();
  await signIn(page, env.stack.url, username);
  for (let i = 0; i < 50 && (await savedZone(username)) === ""; i++) await new Promise((r) => setTimeout(r, 100));
  return { context, page };
}

/** Settings' time zone field, opened; and the text of the zone it shows chosen. */
async function zoneField(page: Page) {
  await page.getByRole("button", { name: "Settings" }).click();
  const zone = page.getByRole("dialog", { name: "Settings" }).getByLabel("Time zone");
  await zone.waitFor();
  return { zone, chosen: () => zone.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent) };
}

describe("web client: time zone", () => {
  it("signing in without a time zone takes the browser's, Settings shows it as this device's, and a zone chosen there stays", async () => {
    expect(await savedZone("Mary")).toBe("");
    const { context, page } = await signedInFrom("Europe/Paris", "Mary");
    expect(await savedZone("Mary")).toBe("Europe/Paris");

    const { zone, chosen } = await zoneField(page);
    expect(await chosen()).toMatch(/^Paris \(UTC\+0[12]:00\), this device$/);
    expect(await zone.locator("option").first().textContent()).toBe("Automatic (Europe/Paris)");
    await zone.selectOption("Asia/Tokyo");
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor();
    expect(await savedZone("Mary")).toBe("Asia/Tokyo");

    // Another tab in Paris (the same browser, signed in) leaves the chosen zone alone.
    const again = await context.newPage();
    await again.goto(env.stack.url);
    await waitOnline(again);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await savedZone("Mary")).toBe("Asia/Tokyo");
    await context.close();
  });

  it("a zone is saved and offered by its current name (Kolkata, not the Calcutta browsers still report), labelled by its place and offset", async () => {
    const { context, page } = await signedInFrom("Asia/Kolkata", "Joe");
    expect(await savedZone("Joe")).toBe("Asia/Kolkata");

    const { zone, chosen } = await zoneField(page);
    expect(await chosen()).toBe("Kolkata (UTC+05:30), this device");
    const labels = await zone.locator("option").allTextContents();
    expect(labels.some((l) => l.includes("Calcutta"))).toBe(false);
    expect(labels.some((l) => /^Kyiv \(UTC\+0[23]:00\)$/.test(l))).toBe(true);
    expect(await zone.locator("optgroup").evaluateAll((groups) => groups.map((g) => g.getAttribute("label")))).toContain("Europe");
    await context.close();
  });
});
