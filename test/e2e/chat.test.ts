import { describe, expect, it } from "vitest";
import { chats, messageList, newPage, people, sendMessage, signIn, useBrowserStack } from "./harness.js";

const env = useBrowserStack();

describe("web client: signing in", () => {
  it("a wrong password shows an alert and keeps the sign-in form", async () => {
    const { context, page } = await newPage(env.browser);
    await page.goto(env.stack.url);
    await page.getByLabel("Username").fill("Pablo");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toBeTruthy();
    expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(0);
    expect(await page.getByLabel("Username").inputValue()).toBe("Pablo");
    await context.close();
  });

  it("picking a demo user fills the form, and a new name asks before it registers an account", async () => {
    const { context, page } = await newPage(env.browser);
    await page.goto(env.stack.url);
    await page.getByRole("button", { name: "Mary", exact: true }).click();
    expect(await page.getByLabel("Username").inputValue()).toBe("Mary");
    expect(await page.getByLabel("Password").inputValue()).toBe("password123");
    await page.getByLabel("Username").fill("newcomer_e2e");
    await page.getByLabel("Password").fill("long-enough-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    // Not created silently: the form says there is no such account and asks.
    await page.getByRole("heading", { name: "Create an account?" }).waitFor();
    await page.getByText("There is no account called").waitFor();
    expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(0);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("button", { name: "Log out" }).waitFor();
    await chats(page).getByRole("button", { name: "General", exact: true }).waitFor();
    await context.close();
  });

  it("a reload keeps the session and the open room; logging out ends it", async () => {
    const { context, page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Alex");
    await chats(page).getByRole("button", { name: "Joe", exact: true }).click();
    await page.getByRole("heading", { name: "Joe" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Log out" }).waitFor();
    await page.getByRole("heading", { name: "Joe" }).waitFor();
    // A private room with no messages yet is not listed by the server: a reload opens it again.
    // (newcomer_e2e signed up in the test above and is offline: only the server's search finds them.)
    await people(page).getByLabel("Filter people").fill("newcomer");
    await people(page).getByRole("button", { name: "Message newcomer_e2e", exact: true }).click();
    await page.getByRole("heading", { name: "newcomer_e2e" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "newcomer_e2e" }).waitFor();
    await page.getByRole("main").getByText("No messages yet", { exact: true }).waitFor();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("Username").waitFor();
    await page.reload();
    await page.getByLabel("Username").waitFor();
    expect(await page.getByRole("button", { name: "Log out" }).count()).toBe(0);
    await context.close();
  });
});

describe("web client: two people chatting", () => {
  it("messages in General reach the other person live, with names, as plain text", async () => {
    const pablo = await newPage(env.browser);
    const joe = await newPage(env.browser);
    await signIn(pablo.page, env.stack.url, "Pablo");
    await signIn(joe.page, env.stack.url, "Joe");
    await messageList(joe.page).getByText("Hello everyone!", { exact: false }).waitFor();

    const html = `<img src=x onerror="window.__pwned=1"><b>bold?</b> ${Date.now()}`;
    await sendMessage(pablo.page, html);
    const seen = messageList(joe.page).getByText(html, { exact: true });
    await seen.waitFor();
    expect(await joe.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await messageList(joe.page).locator("img").count()).toBe(0);
    // Once on each side: the sender's pending copy was replaced by the stored message.
    await messageList(pablo.page).locator(".msg:not(.msg--pending)").getByText(html, { exact: true }).waitFor();
    expect(await messageList(pablo.page).getByText(html, { exact: true }).count()).toBe(1);
    expect(await seen.count()).toBe(1);

    await sendMessage(joe.page, "Reply from Joe");
    await messageList(pablo.page).getByText("Reply from Joe").waitFor();
    const row = messageList(pablo.page).locator(".msg", { hasText: "Reply from Joe" });
    expect(await row.locator(".msg__name").textContent()).toBe("Joe");
    expect(await row.locator("time").getAttribute("title")).toBeTruthy();

    // Shift+Enter is a new line; Enter sends.
    const box = pablo.page.getByRole("textbox", { name: "Message" });
    await box.fill("");
    await box.type("line one");
    await box.press("Shift+Enter");
    await box.type("line two");
    expect(await box.inputValue()).toBe("line one\nline two");
    await box.press("Enter");
    await messageList(joe.page).getByText("line one\nline two").waitFor();
    expect(await box.inputValue()).toBe("");

    await pablo.context.close();
    await joe.context.close();
  });

  it("a private conversation started from the people list shows up unread for the other person only", async () => {
    const pablo = await newPage(env.browser);
    const mary = await newPage(env.browser);
    const joe = await newPage(env.browser);
    await signIn(mary.page, env.stack.url, "Mary");
    await signIn(joe.page, env.stack.url, "Joe");
    await signIn(pablo.page, env.stack.url, "Pablo");
    // Unread state is the server's: the demo's messages to Mary are unread until she reads them.
    for (const name of ["Pablo", "Joe"]) {
      await chats(mary.page).getByRole("button", { name, exact: true }).click();
      await mary.page.getByRole("heading", { name }).waitFor();
    }
    await chats(mary.page).getByRole("button", { name: "General", exact: true }).click();
    await mary.page.waitForFunction(() => !document.title.startsWith("("));

    await people(pablo.page).getByLabel("Filter people").fill("mar");
    await people(pablo.page).getByRole("button", { name: "Message Mary", exact: true }).click();
    await pablo.page.getByRole("heading", { name: "Mary" }).waitFor();
    const secret = `Just between us ${Date.now()}`;
    await sendMessage(pablo.page, secret);

    // The row: its button holds the name; the preview and the badge sit beside it.
    const roomForMary = chats(mary.page).getByRole("listitem").filter({ has: mary.page.getByRole("button", { name: "Pablo", exact: true }) });
    await roomForMary.getByText(secret).waitFor();
    await roomForMary.getByLabel("1 unread").waitFor();
    await mary.page.waitForFunction(() => document.title.startsWith("(1)"));
    await roomForMary.click();
    await messageList(mary.page).getByText(secret).waitFor();
    await mary.page.getByText("New messages", { exact: true }).waitFor();
    await mary.page.waitForFunction(() => !document.title.startsWith("("));

    await sendMessage(mary.page, "Sure thing");
    await messageList(pablo.page).getByText("Sure thing").waitFor();
    expect(await joe.page.getByText(secret).count()).toBe(0);

    for (const p of [pablo, mary, joe]) await p.context.close();
  });

  it("people going online and offline show in the people list, never as lines in General", async () => {
    const pablo = await newPage(env.browser);
    await signIn(pablo.page, env.stack.url, "Pablo");
    const alex = await newPage(env.browser);
    await signIn(alex.page, env.stack.url, "Alex");
    const alexRow = people(pablo.page).getByRole("listitem").filter({ has: pablo.page.getByRole("button", { name: "Alex", exact: true }) });
    await alexRow.getByText("online", { exact: true }).waitFor();
    await alex.context.close();
    await alexRow.getByText("offline", { exact: true }).waitFor({ timeout: 20_000 });
    expect(await messageList(pablo.page).getByText(/came online|went offline/).count()).toBe(0);
    await pablo.context.close();
  });
});
