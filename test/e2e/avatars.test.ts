import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { privateRoomId } from "../../src/protocol/index.js";
import { loadConfig } from "../../src/server/config.js";
import { axeViolations } from "./axe.js";
import { DEMO_PASSWORD, messageList, newPage, people, signIn, useBrowserStack } from "./harness.js";

/**
 * Profile pictures in Chromium (issues 15 and 18), at desktop and phone sizes: chosen, previewed,
 * uploaded and removed in the settings; shown wherever a person's avatar is (messages, people, the
 * profile card, the header, conversations), live when someone changes theirs; initials when there
 * is none or it fails to load.
 */
const uploadsDir = mkdtempSync(join(tmpdir(), "redis-chat-e2e-avatars-"));
const env = useBrowserStack({ attachments: { ...loadConfig({}).attachments, dir: uploadsDir } });
const PHONE = { width: 390, height: 844 };
afterAll(() => rmSync(uploadsDir, { recursive: true, force: true }));

const shot = (page: Page, name: string) => page.screenshot({ path: `docs/screenshots/${name}.png` });

/** A picture of a figure on a coloured ground, `w` x `h` (not square: the server cuts it). */
function portrait(ground: string, figure: string, w = 480, h = 360): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${ground}"/><stop offset="1" stop-color="#ffffff"/></linearGradient></defs>
    <rect width="${w}" height="${h}" fill="url(#g)"/>
    <circle cx="${w / 2}" cy="${h * 0.4}" r="${h * 0.17}" fill="${figure}"/>
    <ellipse cx="${w / 2}" cy="${h * 0.95}" rx="${h * 0.33}" ry="${h * 0.3}" fill="${figure}"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function signInApi(username: string): Promise<{ id: number; cookie: string }> {
  const res = await fetch(`${env.stack.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
  if (!res.ok) throw new Error(`sign in ${username}: ${res.status}`);
  return { id: ((await res.json()) as { id: number }).id, cookie: res.headers.get("set-cookie")!.split(";")[0]! };
}

async function putPicture(who: { cookie: string }, bytes: Buffer): Promise<string> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(bytes)]), "me.png");
  const res = await fetch(`${env.stack.url}/me/avatar`, { method: "PUT", headers: { cookie: who.cookie }, body: form });
  if (!res.ok) throw new Error(`upload: ${res.status}`);
  return ((await res.json()) as { avatarUrl: string }).avatarUrl;
}

const post = (who: { cookie: string }, message: string) =>
  fetch(`${env.stack.url}/room/0/messages`, { method: "POST", headers: { "content-type": "application/json", cookie: who.cookie }, body: JSON.stringify({ message }) });

/** The picture (an <img> that loaded) in an avatar inside `scope`. */
const loadedPicture = async (page: Page, selector: string) =>
  page.waitForFunction((sel) => {
    const img = document.querySelector<HTMLImageElement>(sel);
    return Boolean(img && img.complete && img.naturalWidth > 0);
  }, selector);

describe("web client: profile pictures", () => {
  it("on a desktop: choose, preview and upload one's picture; everyone's pictures show in messages, people and the card, live", async () => {
    const joe = await signInApi("Joe");
    const mary = await signInApi("Mary");
    const alex = await signInApi("Alex");
    await putPicture(joe, await portrait("#2f6fdb", "#123a7a"));
    await putPicture(alex, await portrait("#8a3ffc", "#3c1a78"));
    await post(joe, "Morning! New picture, who dis?");

    const { page } = await newPage(env.browser);
    // Alex's picture fails to load here: the initials stand in.
    await page.route(`**/users/${alex.id}/avatar**`, (route) => route.abort());
    await signIn(page, env.stack.url, "Pablo");
    await messageList(page).getByText("Morning! New picture").waitFor();
    const joeInMessages = `[role="log"] .avatar__img[src^="/users/${joe.id}/avatar"]`;
    await loadedPicture(page, joeInMessages);
    await loadedPicture(page, `.avatar__img[src*="/users/${joe.id}/avatar"][src*="size=64"]`);
    await people(page).getByRole("button", { name: "Alex", exact: true }).waitFor();
    await expect.poll(() => people(page).locator(".row-item", { hasText: "Alex" }).locator(".avatar svg").count()).toBe(1);

    // Mary changes hers while Pablo looks: it shows without a reload.
    await putPicture(mary, await portrait("#1f8a4c", "#0d4a28"));
    await loadedPicture(page, `.avatar__img[src^="/users/${mary.id}/avatar"]`);

    // Pablo chooses his: a preview first, then the upload; the header shows it at once.
    await page.getByRole("button", { name: "Settings" }).click();
    const settings = page.getByRole("dialog", { name: "Settings" });
    await settings.getByText("Choose a picture").waitFor();
    await settings.locator('input[type="file"]').setInputFiles({ name: "pablo.png", mimeType: "image/png", buffer: await portrait("#c8322a", "#5a1410", 360, 480) });
    await settings.getByRole("img", { name: "Preview of your new picture" }).waitFor();
    await settings.getByText("“Save profile” saves it.").waitFor();
    // One Save uploads the picture and saves the fields; "Saved." only once the picture is in.
    await settings.getByRole("button", { name: "Save profile" }).click();
    await settings.getByText("Saved.").waitFor();
    expect(await settings.getByRole("img", { name: "Preview of your new picture" }).count()).toBe(0);
    await loadedPicture(page, `dialog .avatar__img[src^="/users/"]`);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, "avatar-settings-desktop");
    await settings.getByRole("button", { name: "Close" }).click();
    await loadedPicture(page, `.me .avatar__img`);

    // The profile card wears the picture.
    await messageList(page).getByRole("button", { name: "Joe", exact: true }).first().click();
    const card = page.getByRole("dialog", { name: "Joe" });
    await loadedPicture(page, `dialog .avatar__img[src*="size=256"]`);
    await card.getByRole("button", { name: "Close" }).click();
    await shot(page, "avatars-chat-desktop");
  });

  it("on a phone: the conversation list and the settings show pictures; removing one's picture brings the initials back", async () => {
    const joe = await signInApi("Joe");
    const pablo = await signInApi("Pablo");
    await putPicture(pablo, await portrait("#c8322a", "#5a1410", 360, 480));
    // A private conversation, so the conversation list has a person in it.
    const json = { "content-type": "application/json", cookie: pablo.cookie };
    await fetch(`${env.stack.url}/room`, { method: "POST", headers: json, body: JSON.stringify({ user1: pablo.id, user2: joe.id }) });
    await fetch(`${env.stack.url}/room/${privateRoomId(joe.id, pablo.id)}/messages`, {
      method: "POST", headers: { "content-type": "application/json", cookie: pablo.cookie }, body: JSON.stringify({ message: "Lunch at noon?" }),
    });
    const { page } = await newPage(env.browser, PHONE);
    await signIn(page, env.stack.url, "Joe");
    await loadedPicture(page, `nav .avatar__img[src^="/users/${pablo.id}/avatar"]`);
    // Joe's own, from the first test, in the header (before anyone's event about it).
    await loadedPicture(page, `.me .avatar__img[src^="/users/${joe.id}/avatar"]`);
    await shot(page, "avatars-chats-phone");

    await page.getByRole("button", { name: "Settings" }).click();
    const settings = page.getByRole("dialog", { name: "Settings" });
    await loadedPicture(page, `dialog .avatar__img`);
    expect(await axeViolations(page)).toEqual([]);
    await shot(page, "avatar-settings-phone");
    await settings.getByRole("button", { name: "Remove picture" }).click();
    await settings.getByText("Picture removed.").waitFor();
    await settings.getByText("Choose a picture", { exact: true }).waitFor();
    expect(await settings.locator(".avatar__img").count()).toBe(0);
    expect(await settings.locator(".avatar svg").count()).toBe(1);
  });
});
