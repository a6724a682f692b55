import { describe, expect, it } from "vitest";
import { messageList, newPage, signIn, useBrowserStack, waitOnline } from "./harness.js";

const env = useBrowserStack();

// A WebSocket notices a network that went away only at its next missed heartbeat (up to 45 s with
// Socket.IO's defaults); the browser's own "offline" says it at once.
describe("web client: going offline", () => {
  it("the page says the connection is lost as soon as the network goes, and a message typed then is sent once when it is back", async () => {
    const { context, page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Mary");
    await page.waitForTimeout(500);
    const went = Date.now();
    await context.setOffline(true);
    await page.getByText("Connection lost").waitFor({ timeout: 5_000 });
    expect(Date.now() - went).toBeLessThan(5_000);
    const text = `typed while offline ${Date.now()}`;
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill(text);
    await box.press("Enter");
    await context.setOffline(false);
    await waitOnline(page);
    const sent = messageList(page).locator("li.msg").filter({ hasText: text });
    await sent.first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    expect(await sent.count()).toBe(1);
  });
});
