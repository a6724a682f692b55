import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatBytes } from "../../src/protocol/index.js";
import { loadConfig } from "../../src/server/config.js";
import { chats, messageList, newPage, signIn, useBrowserStack } from "./harness.js";

/** Where this file's uploads go (removed at the end), and a limit small enough to pass on purpose. */
const uploadsDir = mkdtempSync(join(tmpdir(), "redis-chat-e2e-files-"));
const MAX_BYTES = 400_000;
/** The antivirus test file every scanner knows (EICAR): harmless, and what the scanner below refuses. */
const EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
// A scanning hook with clamscan's exit codes: 1 (found) for the EICAR test file, else 0 (clean).
const scannerDir = mkdtempSync(join(tmpdir(), "redis-chat-e2e-scanner-"));
const scanner = join(scannerDir, "scan.sh");
writeFileSync(scanner, `#!/bin/sh\nif grep -q EICAR-STANDARD-ANTIVIRUS-TEST-FILE "$1"; then echo "$1: Eicar-Test-Signature FOUND"; exit 1; fi\nexit 0\n`);
chmodSync(scanner, 0o755);
const env = useBrowserStack({
  attachments: { ...loadConfig({}).attachments, dir: uploadsDir, maxBytes: MAX_BYTES, scanCommand: scanner },
  allowPrivateNetworkFetch: true,
  linkPreviewTimeoutMs: 3000,
});
const SHOTS = process.env.SCREENSHOT_DIR;
const VIEWPORTS = [{ name: "desktop", width: 1280, height: 800 }, { name: "phone", width: 390, height: 844 }] as const;

let wide: Buffer; // 1200 x 600
let tall: Buffer; // 300 x 600
let site: Server;
let siteOrigin = "";

beforeAll(async () => {
  wide = await sharp({ create: { width: 1200, height: 600, channels: 3, background: "#2f6fdb" } }).png().toBuffer();
  tall = await sharp({ create: { width: 300, height: 600, channels: 3, background: "#1f8a4c" } }).png().toBuffer();
  // A page on loopback with Open Graph tags, for the link preview card.
  site = createServer((req, res) => {
    if (req.url === "/og.png") return void res.writeHead(200, { "content-type": "image/png" }).end(wide);
    res.writeHead(200, { "content-type": "text/html" }).end(`<html><head><meta property="og:title" content="Q3 design review: <b>not bold</b>">
<meta property="og:description" content="Slides, decisions and the next steps for the new onboarding flow.">
<meta property="og:site_name" content="Design Notes"><meta property="og:image" content="/og.png"></head></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
afterAll(() => {
  site?.closeAllConnections();
  site?.close();
  rmSync(uploadsDir, { recursive: true, force: true });
  rmSync(scannerDir, { recursive: true, force: true });
});

const box = (page: Page) => page.getByRole("textbox", { name: "Message" });
const tray = (page: Page) => page.getByRole("list", { name: "Files to send" });
const sendButton = (page: Page) => page.getByRole("button", { name: "Send" });

async function openGeneral(page: Page, user: string) {
  await signIn(page, env.stack.url, user);
  await chats(page).getByRole("button", { name: "General", exact: true }).click();
}

/** Waits until the composer may send: every chosen file uploaded. */
async function uploaded(page: Page, count: number) {
  await tray(page).getByRole("listitem").nth(count - 1).waitFor();
  await page.waitForFunction(() => !document.querySelector(".upload-tray progress"), undefined, { timeout: 15_000 });
  expect(await sendButton(page).isDisabled(), "Send once every file is uploaded").toBe(false);
}

/** A DataTransfer holding files, made in the page (as the clipboard or a drag would carry them). */
function filesInPage(page: Page, files: { name: string; type: string; bytes: Buffer }[]) {
  return page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    return dt;
  }, files.map((f) => ({ name: f.name, type: f.type, base64: f.bytes.toString("base64") })));
}

describe("web client: sharing files", () => {
  for (const viewport of VIEWPORTS) {
    it(`the picker attaches several files, shows their progress, sends them once with a caption; images open in a keyboard viewer that says who shared them and when (${viewport.name})`, async () => {
      const { page } = await newPage(env.browser, viewport);
      await openGeneral(page, viewport.name === "desktop" ? "Alex" : "Mary");
      const caption = `Mockups for review (${viewport.name})`;
      await page.getByTestId("file-input").setInputFiles([
        { name: "wide.png", mimeType: "image/png", buffer: wide },
        { name: "tall.png", mimeType: "image/png", buffer: tall },
        { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("plain notes\n") },
      ]);
      await uploaded(page, 3);
      await box(page).fill(caption);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/files-tray-${viewport.name}.png` });
      await box(page).press("Enter");

      const row = messageList(page).getByRole("listitem").filter({ hasText: caption });
      await row.getByRole("button", { name: /^Open wide\.png/ }).waitFor();
      expect(await tray(page).count(), "the tray is empty after sending").toBe(0);
      // Each image's box has the image's own aspect ratio before it has loaded (no layout jump).
      const wideBox = (await row.getByRole("button", { name: /^Open wide\.png/ }).boundingBox())!;
      const tallBox = (await row.getByRole("button", { name: /^Open tall\.png/ }).boundingBox())!;
      expect(wideBox.width / wideBox.height).toBeCloseTo(2, 1);
      expect(tallBox.width / tallBox.height).toBeCloseTo(0.5, 1);
      // Text is a download card (never shown inline), with its name and size.
      const card = row.getByRole("link", { name: "Download notes.txt (12 bytes)" });
      expect(await card.getAttribute("download")).toBe("notes.txt");
      // Sent once: one message with the caption in the room's history on the server.
      const history = await page.evaluate(async () => (await (await fetch("/room/0/messages?offset=0&size=20")).json()) as { message: string; attachments?: unknown[] }[]);
      expect(history.filter((m) => m.message.startsWith(caption))).toHaveLength(1);
      expect(history.find((m) => m.message.startsWith(caption))!.attachments).toHaveLength(3);
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>(".attachment-image img")].every((i) => i.complete && i.naturalWidth > 0),
        undefined, { timeout: 10_000 });
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/files-message-${viewport.name}.png` });

      // The viewer: opens on the clicked image, arrows move, Escape closes, focus comes back.
      const opener = row.getByRole("button", { name: /^Open wide\.png/ });
      await opener.click();
      const viewer = page.getByRole("dialog", { name: "wide.png (1 of 2)" });
      await viewer.waitFor();
      // Who shared it and when, as in Slack's viewer.
      const sender = viewport.name === "desktop" ? "Alex" : "Mary";
      expect(await viewer.locator(".viewer__sender").textContent()).toMatch(new RegExp(`^${sender} · [A-Z][a-z]{2} \\d{1,2}, \\d{4}, \\d{1,2}:\\d{2}\\s?[AP]M$`));
      await page.keyboard.press("ArrowRight");
      await page.getByRole("dialog", { name: "tall.png (2 of 2)" }).waitFor();
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => Boolean(document.activeElement?.closest("dialog"))), "focus stays in the viewer").toBe(true);
      await page.keyboard.press("ArrowLeft");
      await viewer.waitFor();
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/files-viewer-${viewport.name}.png` });
      await page.keyboard.press("Escape");
      await viewer.waitFor({ state: "detached" });
      expect(await opener.evaluate((el) => el === document.activeElement), "focus back on the image").toBe(true);
    });
  }

  for (const viewport of VIEWPORTS) {
    it(`a pasted screenshot is attached with a dated name and sent without a caption (${viewport.name})`, async () => {
      const { page } = await newPage(env.browser, viewport);
      await openGeneral(page, "Joe");
      const clipboard = await filesInPage(page, [{ name: "image.png", type: "image/png", bytes: wide }]);
      await box(page).focus();
      await box(page).evaluate((el, dt) => el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt as DataTransfer, bubbles: true, cancelable: true })), clipboard);
      await uploaded(page, 1);
      const name = await tray(page).locator(".upload__name").textContent();
      expect(name).toMatch(/^Pasted image \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.png$/);
      expect(await box(page).inputValue(), "no text was pasted").toBe("");
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/files-paste-${viewport.name}.png` });
      await sendButton(page).click();
      await messageList(page).getByRole("button", { name: new RegExp(`^Open ${name!.replace(/[.()]/g, "\\$&")}`) }).waitFor();
    });
  }

  for (const viewport of VIEWPORTS) {
    it(`files dropped on the conversation are attached; one over the size limit is marked with why, and blocks sending until removed (${viewport.name})`, async () => {
      const { page } = await newPage(env.browser, viewport);
      await openGeneral(page, "Pablo");
      const dropped = await filesInPage(page, [
        { name: "diagram.png", type: "image/png", bytes: tall },
        { name: "huge.bin", type: "application/octet-stream", bytes: Buffer.alloc(MAX_BYTES + 1, 7) },
      ]);
      // The file over the server's limit (GET /attachments/limits) is refused by the page, never sent.
      const posted: string[] = [];
      page.on("request", (req) => {
        if (req.method() === "POST" && /\/attachments$/.test(new URL(req.url()).pathname)) posted.push(req.postDataBuffer()?.includes("huge.bin") ? "huge.bin" : "other");
      });
      const list = messageList(page);
      await list.dispatchEvent("dragenter", { dataTransfer: dropped });
      await page.getByText("Drop files to share them here").waitFor();
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/files-drop-${viewport.name}.png` });
      await list.dispatchEvent("drop", { dataTransfer: dropped });
      await page.getByText("Drop files to share them here").waitFor({ state: "detached" });
      const failed = tray(page).getByRole("listitem").filter({ hasText: "huge.bin" });
      await failed.getByText(`Not uploaded: too large. The file is larger than ${formatBytes(MAX_BYTES)}`).waitFor({ timeout: 15_000 });
      expect(posted).not.toContain("huge.bin");
      expect(await failed.getByRole("button", { name: "Retry" }).count(), "no Retry for what cannot pass").toBe(0);
      await page.getByText("1 file not uploaded: remove it").waitFor();
      expect(await sendButton(page).isDisabled()).toBe(true);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/files-failed-${viewport.name}.png` });
      await failed.getByRole("button", { name: "Remove huge.bin" }).click();
      await uploaded(page, 1);
      await box(page).fill(`Dropped diagram (${viewport.name})`);
      await box(page).press("Enter");
      await list.getByRole("listitem").filter({ hasText: `Dropped diagram (${viewport.name})` }).getByRole("button", { name: /^Open diagram\.png/ }).waitFor();
    });
  }

  for (const viewport of VIEWPORTS) {
    it(`a file the malware scan refuses is marked in the tray as deleted, cannot be retried, blocks sending until removed, and is audited (${viewport.name})`, async () => {
      const { page } = await newPage(env.browser, viewport);
      await openGeneral(page, "Joe");
      const infected = `invoice-${viewport.name}.pdf`;
      await page.getByTestId("file-input").setInputFiles([
        { name: infected, mimeType: "application/pdf", buffer: Buffer.from(EICAR) },
        { name: "plan.png", mimeType: "image/png", buffer: tall },
      ]);
      const refused = tray(page).getByRole("listitem").filter({ hasText: infected });
      const why = refused.getByRole("alert");
      await why.waitFor({ timeout: 15_000 });
      expect(await why.textContent()).toBe("Not uploaded: The file did not pass the malware scan and was deleted");
      expect(await why.evaluate((el) => {
        const state = el.closest<HTMLElement>(".upload__state")!;
        return state.scrollHeight <= state.clientHeight && state.scrollWidth <= state.clientWidth;
      }), "the reason is shown whole, not cut off").toBe(true);
      expect(await refused.getByRole("button", { name: "Retry" }).count(), "no Retry for a refused file").toBe(0);
      await page.getByText("1 file not uploaded: remove it").waitFor();
      expect(await sendButton(page).isDisabled(), "nothing goes out while a chosen file is refused").toBe(true);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/files-scan-refused-${viewport.name}.png` });
      // Audited, with the uploader and the scanner's finding.
      const joe = (await page.evaluate(async () => (await (await fetch("/me")).json()) as { id: number })).id;
      const entries = await env.stack.server.instance.ctx.audit.read(50);
      const entry = entries.find((e) => e.action === "attachment.refused" && e.detail?.includes(infected));
      expect(entry).toMatchObject({ actorId: joe, roomId: "0" });
      expect(entry!.detail).toContain("Eicar-Test-Signature FOUND");
      // Removed, the rest goes out; the refused file is nowhere in the room.
      await refused.getByRole("button", { name: `Remove ${infected}` }).click();
      await uploaded(page, 1);
      await box(page).fill(`Plan without the invoice (${viewport.name})`);
      await box(page).press("Enter");
      const row = messageList(page).getByRole("listitem").filter({ hasText: `Plan without the invoice (${viewport.name})` });
      await row.getByRole("button", { name: /^Open plan\.png/ }).waitFor();
      const history = await page.evaluate(async () => (await (await fetch("/room/0/messages?offset=0&size=50")).json()) as { message: string }[]);
      expect(history.some((m) => m.message.includes(infected))).toBe(false);
    });
  }

  it("an interrupted upload is tried again by itself and the message goes out once; a message with files is edited as its caption (desktop)", async () => {
    const { page } = await newPage(env.browser);
    await openGeneral(page, "Mary");
    let cut = 0;
    await page.route("**/room/0/attachments", async (route) => {
      if (cut++ === 0) await route.abort("connectionreset"); // the first attempt breaks off
      else await route.continue();
    });
    await page.getByTestId("file-input").setInputFiles([{ name: "retry.png", mimeType: "image/png", buffer: tall }]);
    await uploaded(page, 1);
    expect(cut, "one broken attempt, then one that worked").toBe(2);
    await box(page).fill("After a hiccup");
    await box(page).press("Enter");
    const row = messageList(page).getByRole("listitem").filter({ hasText: "After a hiccup" });
    await row.getByRole("button", { name: /^Open retry\.png/ }).waitFor();
    // Edited as its caption: the lines that name the files for seed clients are not in the box.
    await row.hover();
    await row.getByRole("button", { name: "Edit" }).click();
    const editor = row.getByRole("textbox");
    expect(await editor.inputValue()).toBe("After a hiccup");
    await editor.fill("After a hiccup, edited");
    await editor.press("Enter");
    await row.getByText("After a hiccup, edited").waitFor();
    await row.getByRole("button", { name: /^Open retry\.png/ }).waitFor();
    const history = await page.evaluate(async () => (await (await fetch("/room/0/messages?offset=0&size=30")).json()) as { message: string }[]);
    expect(history.filter((m) => m.message.startsWith("After a hiccup"))).toHaveLength(1);
  });

  it("an image sent before its thumbnail is made shows at once (the picture itself), and by its thumbnail once made (desktop)", async () => {
    const thumbnails = env.stack.server.instance.ctx.attachments.thumbnails;
    // 6 megapixels: a photo's thumbnail is what the server waits to make (the browser decodes the whole picture meanwhile).
    const large = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: "#b3541e" } }).png({ compressionLevel: 9 }).toBuffer();
    /** The image in the message's row once it has loaded: its address and natural width (0: broken). */
    const shown = async (page: Page, caption: string) => {
      const img = messageList(page).getByRole("listitem").filter({ hasText: caption }).locator(".attachment-image img");
      await img.waitFor();
      // Images load lazily: the row must be in view (a reader may open the room at an older unread message).
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle(), { timeout: 15_000 });
      // Decoded for painting too (decode() rejects for a broken image).
      return img.evaluate(async (el: HTMLImageElement) => {
        await el.decode();
        return { src: el.getAttribute("src"), width: el.naturalWidth };
      });
    };
    await thumbnails.idle();
    thumbnails.pause();
    const caption = "The kiln, before its thumbnail";
    try {
      const { page } = await newPage(env.browser);
      await openGeneral(page, "Alex");
      await page.getByTestId("file-input").setInputFiles([{ name: "kiln.png", mimeType: "image/png", buffer: large }]);
      await uploaded(page, 1);
      await box(page).fill(caption);
      await box(page).press("Enter");
      await messageList(page).getByRole("listitem").filter({ hasText: caption }).getByRole("button", { name: /^Open kiln\.png/ }).waitFor();
      expect(thumbnails.pending, "no thumbnail made yet").toBe(1);
      const before = await shown(page, caption);
      expect(before, "the thumbnail's address served the picture itself").toEqual({ src: expect.stringMatching(/\/thumbnail$/), width: 3000 });
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/files-before-thumbnail.png` });
    } finally {
      thumbnails.resume();
    }
    await thumbnails.idle();
    const { page } = await newPage(env.browser);
    await openGeneral(page, "Mary");
    const after = await shown(page, caption);
    expect(after, "the thumbnail, once made").toEqual({ src: expect.stringMatching(/\/thumbnail$/), width: 480 });
  });

  for (const viewport of VIEWPORTS) {
    it(`a link gets a preview card, its text shown as text, and its author removes it (${viewport.name})`, async () => {
      const { page } = await newPage(env.browser, viewport);
      await openGeneral(page, "Alex");
      await box(page).fill(`Notes from today: ${siteOrigin}/review?${viewport.name}`);
      await box(page).press("Enter");
      const preview = messageList(page).getByRole("link", { name: /Q3 design review/ });
      await preview.waitFor({ timeout: 15_000 });
      expect(await preview.locator(".link-preview__title").textContent()).toBe("Q3 design review: <b>not bold</b>");
      const image = preview.locator("img");
      expect(await image.getAttribute("src")).toMatch(/^\/room\/0\/attachments\/[A-Za-z0-9_-]{22}\/thumbnail$/);
      await page.waitForFunction(() => Boolean(document.querySelector<HTMLImageElement>(".link-preview__image")?.naturalWidth), undefined, { timeout: 10_000 });
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/link-preview-${viewport.name}.png` });
      await page.getByRole("button", { name: "Remove preview" }).click();
      await preview.waitFor({ state: "detached" });
    });
  }
});
