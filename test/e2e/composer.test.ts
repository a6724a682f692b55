import { describe, expect, it } from "vitest";
import { chats, messageList, newPage, signIn, useBrowserStack } from "./harness.js";

const env = useBrowserStack();

const SHOTS = process.env.SCREENSHOT_DIR;

describe("web client: the composer near the length limit", () => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    it(`a 4,100-character paste is kept, says it is 100 over, and cannot be sent until shortened (${viewport.width} px)`, async () => {
      const { page } = await newPage(env.browser, viewport);
      await signIn(page, env.stack.url, "Alex");
      await chats(page).getByRole("button", { name: "General", exact: true }).click();
      const box = page.getByRole("textbox", { name: "Message" });
      const send = page.getByRole("button", { name: "Send" });
      const pasted = `${"long text ".repeat(410)}`;
      expect(pasted.length).toBe(4100);
      await box.fill(pasted);
      expect((await box.inputValue()).length).toBe(4100);
      await page.getByText("100 characters over the 4,000 limit: shorten it to send").waitFor();
      expect(await send.isDisabled()).toBe(true);
      expect(await box.getAttribute("aria-invalid")).toBe("true");
      await box.press("Enter");
      expect((await box.inputValue()).length).toBe(4100);
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/composer-over-limit-${viewport.width}.png` });

      await box.fill(pasted.slice(0, 4000));
      await page.getByText("0 characters left").waitFor();
      expect(await send.isDisabled()).toBe(false);
      await box.press("Enter");
      await messageList(page).getByText(pasted.slice(0, 40)).first().waitFor();
      expect(await box.inputValue()).toBe("");
    });
  }

  it("counts an emoji as one character, as the server does: 3,900 emoji leave 100", async () => {
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Mary");
    await chats(page).getByRole("button", { name: "General", exact: true }).click();
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("🙂".repeat(3900));
    expect(await box.inputValue()).toBe("🙂".repeat(3900));
    await page.getByText("100 characters left").waitFor();
    expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(false);
  });

  it("a draft of only invisible characters cannot be sent", async () => {
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Joe");
    await chats(page).getByRole("button", { name: "General", exact: true }).click();
    await page.getByRole("textbox", { name: "Message" }).fill("\u200b\u00a0\u3000");
    await page.getByText("Nothing visible to send").waitFor();
    expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
  });

  it("on a phone the empty composer is one line tall even when its placeholder names a long room; typing grows it", async () => {
    const { page } = await newPage(env.browser, { width: 390, height: 844 });
    await signIn(page, env.stack.url, "Mary");
    const name = "quarterly-planning-and-roadmap-discussion-for-the-whole-engineering-organisation";
    expect(await page.evaluate(async (body) => (await fetch("/rooms", { method: "POST", headers: { "content-type": "application/json" }, body })).status,
      JSON.stringify({ name }))).toBe(201);
    await chats(page).getByRole("button", { name: new RegExp(`^${name}`) }).first().click();
    const box = page.getByRole("textbox", { name: "Message" });
    expect(await box.getAttribute("placeholder")).toBe(`Message ${name}`);
    const height = async () => (await box.boundingBox())!.height;
    const oneLine = await height();
    expect(oneLine).toBeLessThan(48);
    await box.fill("one\ntwo\nthree");
    expect(await height()).toBeGreaterThan(oneLine + 30);
    await box.fill("");
    expect(await height()).toBe(oneLine);
  });
});
