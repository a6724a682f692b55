import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations } from "./axe.js";
import { messageList, newPage, people, signIn, useBrowserStack, waitOnline } from "./harness.js";

/**
 * Issue 18 in Chromium: the first run, the profile card, settings, the people directory, the
 * accounts tab, the new-room picker and the skip link, each screen checked with axe-core (WCAG 2.2
 * AA) at desktop and phone sizes. A place not configured by its environment, without demo data.
 */
const env = useBrowserStack({ setupByEnvironment: false, demoData: false });
const PHONE = { width: 390, height: 844 };
const PASSWORD = "a-long-password";

const shot = (page: Page, name: string) => page.screenshot({ path: `docs/screenshots/${name}.png` });

const signInAs = (page: Page, username: string) => signIn(page, env.stack.url, username, PASSWORD);

async function register(username: string): Promise<{ id: number; cookie: string }> {
  const res = await fetch(`${env.stack.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password: PASSWORD }) });
  if (!res.ok) throw new Error(`register ${username}: ${res.status}`);
  return { id: ((await res.json()) as { id: number }).id, cookie: res.headers.get("set-cookie")!.split(";")[0]! };
}

describe("web client: a team's own place", () => {
  it("a place nobody set up shows the setup screen at / (desktop and phone); setting it up signs the administrator in", async () => {
    const phone = await newPage(env.browser, PHONE);
    await phone.page.goto(env.stack.url);
    await phone.page.getByRole("heading", { name: "Set up your place" }).waitFor();
    expect(await axeViolations(phone.page)).toEqual([]);
    await shot(phone.page, "setup-phone");
    // Mistakes are told in words, next to their field (never "placeName must not be empty").
    await phone.page.getByLabel("Password").fill("short");
    await phone.page.getByRole("button", { name: "Set up and sign in" }).click();
    await phone.page.getByText("The place needs a name").waitFor();
    await phone.page.getByText("The password needs at least 8 characters").waitFor();
    expect(await phone.page.getByLabel("Name of the place").getAttribute("aria-invalid")).toBe("true");
    await phone.page.screenshot({ path: "/tmp/fixprofile-setup-errors-phone.png" });
    expect(await phone.page.locator("main").innerText()).not.toMatch(/placeName|password:/);

    const { page } = await newPage(env.browser);
    await page.goto(env.stack.url);
    await page.getByRole("heading", { name: "Set up your place" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel("Name of the place").fill("Acme");
    await page.getByLabel("Administrator's username").fill("ada");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("radio", { name: /Open/ }).check();
    await shot(page, "setup-desktop");
    await page.getByRole("button", { name: "Set up and sign in" }).click();
    await waitOnline(page);
    await page.getByRole("button", { name: "Admin" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    // The place's name heads the sidebar and the tab; the administrator's own name is not cut off.
    await page.locator(".me__place-name", { hasText: "Acme" }).waitFor();
    await expect.poll(() => page.title()).toBe("General · Acme");
    expect(await page.locator(".me__name strong").evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await page.screenshot({ path: "/tmp/fixprofile-header-desktop.png" });
    // Renamed by an administrator: every open tab follows.
    await page.evaluate(() => fetch("/place/settings", { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ placeName: "Acme Team" }) }));
    await expect.poll(() => page.title()).toBe("General · Acme Team");
    await page.locator(".me__place-name", { hasText: "Acme Team" }).waitFor();

    // A status that clears after 4 hours still says so when the settings reopen, and saving again keeps it.
    const expiry = () => page.evaluate(() => fetch("/me/profile").then((r) => r.json()).then((p: { statusExpiresAt: number | null }) => p.statusExpiresAt));
    await page.getByRole("button", { name: "Settings" }).click();
    let settings = page.getByRole("dialog", { name: "Settings" });
    await settings.getByLabel("Status").fill("On site today");
    await settings.getByLabel("Clear after").selectOption("4");
    await settings.getByRole("button", { name: "Save profile" }).click();
    await settings.getByText("Saved.").waitFor();
    const set = await expiry();
    expect(set).toBeGreaterThan(Date.now() + 3.9 * 3_600_000);
    await settings.getByRole("button", { name: "Close" }).click();
    await page.getByRole("button", { name: "Settings" }).click();
    settings = page.getByRole("dialog", { name: "Settings" });
    await expect.poll(() => settings.getByLabel("Clear after").evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text)).toMatch(/^in (3 h 5\d min|4 h)$/);
    await settings.getByLabel("Title").fill("Founder");
    await settings.getByRole("button", { name: "Save profile" }).click();
    await settings.getByText("Saved.").waitFor();
    expect(await expiry()).toBe(set);
    await page.screenshot({ path: "/tmp/fixprofile-status-expiry-desktop.png" });
    await settings.getByRole("button", { name: "Close" }).click();

    // Signed out, the sign-in page wears the place's name and offers no demo.
    await phone.page.reload();
    await phone.page.getByRole("heading", { name: "Acme Team" }).waitFor();
    expect(await phone.page.getByText("Demo users").count()).toBe(0);
    // On a phone too, the place heads the list and the administrator's name is whole.
    await signInAs(phone.page, "ada");
    await phone.page.locator(".me__place-name", { hasText: "Acme Team" }).waitFor();
    expect(await phone.page.locator(".me__name strong").evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await phone.page.screenshot({ path: "/tmp/fixprofile-header-phone.png" });
  });

  it("People lists everyone, posted or not; a name opens the profile card with Message and account actions", async () => {
    const bob = await register("bob");
    await register("cyd");
    const { page } = await newPage(env.browser);
    await signInAs(page, "ada");
    // cyd never posted and is offline, and is listed all the same.
    await people(page).getByRole("button", { name: "cyd", exact: true }).waitFor();
    await fetch(`${env.stack.url}/me/profile`, { method: "PATCH", headers: { "content-type": "application/json", cookie: bob.cookie }, body: JSON.stringify({ displayName: "Bob Stone", title: "Support", timeZone: "Asia/Tokyo" }) });
    await people(page).getByRole("button", { name: "Bob Stone", exact: true }).waitFor();
    await fetch(`${env.stack.url}/room/0/messages`, { method: "POST", headers: { "content-type": "application/json", cookie: bob.cookie }, body: JSON.stringify({ message: "hello from bob" }) });
    await messageList(page).getByText("hello from bob").waitFor();
    await messageList(page).getByRole("button", { name: "Bob Stone", exact: true }).click();
    const card = page.getByRole("dialog", { name: "Bob Stone" });
    await card.getByText("Support").waitFor();
    await card.getByText("Asia/Tokyo", { exact: false }).waitFor();
    await card.getByRole("button", { name: "Make administrator…" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, "profile-card-desktop");
    await card.getByRole("button", { name: "Message" }).click();
    await page.getByRole("heading", { name: "Bob Stone" }).waitFor();
  });

  it("settings change one's display name, list sessions and switch the theme; every screen passes axe on a phone", async () => {
    const { page } = await newPage(env.browser, PHONE);
    await signInAs(page, "ada");
    await page.getByRole("button", { name: "Settings" }).click();
    const settings = page.getByRole("dialog", { name: "Settings" });
    await settings.getByLabel("Display name").fill("Ada Lovelace");
    await settings.getByRole("button", { name: "Save profile" }).click();
    await settings.getByText("Saved.").waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, "settings-phone");
    await settings.getByRole("tab", { name: "Sessions" }).click();
    await settings.getByText("(this one)", { exact: false }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await settings.getByRole("tab", { name: "Theme" }).click();
    await settings.getByRole("radio", { name: "Dark" }).check();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    expect(await axeViolations(page)).toEqual([]);
    await settings.getByRole("radio", { name: "As the system" }).check();
    await settings.getByRole("button", { name: "Close" }).click();
    await page.locator(".me__name").getByText("Ada Lovelace").waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it("the administrators' Accounts tab lists accounts and filters them by role", async () => {
    const { page } = await newPage(env.browser);
    await signInAs(page, "ada");
    await page.getByRole("button", { name: "Admin" }).click();
    const admin = page.getByRole("dialog", { name: "Administration" });
    await admin.getByRole("tab", { name: "Accounts" }).click();
    const list = admin.getByRole("list", { name: "Accounts" });
    await list.getByText("cyd", { exact: false }).first().waitFor();
    await admin.getByLabel("Role").selectOption("admin");
    await expect.poll(() => list.getByRole("listitem").count(), { timeout: 5000 }).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, "admin-accounts-list-desktop");
  });

  it("in the new-room dialog Enter picks the highlighted person; only the button creates the room", async () => {
    const { page } = await newPage(env.browser);
    await signInAs(page, "ada");
    await page.getByRole("button", { name: "New room" }).click();
    const dialog = page.getByRole("dialog", { name: "New room" });
    await dialog.getByLabel("Name").fill("launch");
    await dialog.getByLabel("Name").press("Enter");
    await dialog.getByLabel("Add members").fill("cy");
    await dialog.getByText("Enter adds cyd").waitFor();
    await dialog.getByLabel("Add members").press("Enter");
    await dialog.getByRole("button", { name: "Remove cyd" }).waitFor();
    expect(await dialog.isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Create room" }).click();
    await page.getByRole("heading", { name: "launch" }).waitFor();
    await page.getByText("2 members").waitFor();
  });

  it("a skip link and Alt+Shift+M reach the message box from the top of the page", async () => {
    const { page } = await newPage(env.browser);
    await signInAs(page, "ada");
    await page.getByRole("heading", { name: "General" }).waitFor();
    // The skip link is the first stop: one Shift+Tab back from the first control of the page.
    await page.getByRole("button", { name: "Admin" }).focus();
    await page.keyboard.press("Shift+Tab");
    const skip = page.getByRole("link", { name: /Skip to the message box/ });
    expect(await skip.evaluate((el) => el === document.querySelector("a[href], button, input, textarea, select"))).toBe(true);
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press("Enter");
    expect(await page.getByRole("textbox", { name: "Message" }).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.getByRole("button", { name: "Settings" }).focus();
    await page.keyboard.press("Alt+Shift+KeyM");
    expect(await page.getByRole("textbox", { name: "Message" }).evaluate((el) => el === document.activeElement)).toBe(true);
  });
});
