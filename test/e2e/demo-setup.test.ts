import { describe, expect, it } from "vitest";
import { api } from "../support/chat-client.js";
import { newPage, useBrowserStack, waitOnline } from "./harness.js";

/**
 * A demo set up with a real administrator: the setup screen says the demo accounts keep the
 * published password, and the Accounts tab offers one action that deactivates them all.
 */
const env = useBrowserStack({ setupByEnvironment: false });

describe("web client: the demo accounts after a real administrator is set up", { timeout: 90_000 }, () => {
  it("the setup screen warns of the demo accounts; the administrator deactivates them all from Accounts and they no longer sign in", async () => {
    const { page } = await newPage(env.browser);
    await page.goto(env.stack.url);
    await page.getByRole("button", { name: "Set up this place with a real administrator" }).click();
    await page.getByRole("note").filter({ hasText: "The demo accounts (Pablo, Joe, Mary, Alex) keep signing in with the published password" }).waitFor();
    await page.getByLabel("Name of the place").fill("Acme");
    await page.getByLabel("Administrator's username").fill("ada");
    await page.getByLabel("Password").fill("a-long-password");
    await page.getByRole("button", { name: "Set up and sign in" }).click();
    await waitOnline(page);

    await page.getByRole("button", { name: "Admin" }).click();
    const admin = page.getByRole("dialog", { name: "Administration" });
    await admin.getByRole("tab", { name: "Accounts" }).click();
    const notice = admin.getByRole("region", { name: "Demo accounts" });
    await notice.getByText("The demo accounts Pablo, Joe, Mary, Alex still sign in with the published password").waitFor();
    await notice.getByRole("button", { name: "Deactivate the demo accounts" }).click();
    await notice.waitFor({ state: "detached" });

    const login = await api(env.stack.url, "/login", undefined, { method: "POST", body: JSON.stringify({ username: "Mary", password: "password123" }) });
    expect(login.status).toBe(403);
    expect((await api(env.stack.url, "/setup")).body).toMatchObject({ needsSetup: false, demo: null });
  });
});
