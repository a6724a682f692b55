import { describe, it } from "vitest";
import { newPage, useBrowserStack, waitOnline } from "./harness.js";
import { accountsByApi } from "./accounts-by-api.js";

/**
 * A tab that was offline when its person's role changed missed the live `user.profile`: once it is
 * connected again it reads its own profile, and the Admin button follows without a reload.
 */
const env = useBrowserStack({ demoData: false, adminUsernames: ["ada"] });
const { account, as, signInAs } = accountsByApi(env, "a-long-password");

describe("web client: one's own role after a reconnection", () => {
  it("demoted while the tab was offline: back online, the Admin button goes; promoted while offline: it comes back", async () => {
    const ada = await account("ada");
    const carol = await account("carol");
    await as(ada, "PATCH", `/users/${carol.id}`, { role: "admin" });
    const { context, page } = await newPage(env.browser);
    await signInAs(page, "carol");
    const adminButton = page.getByRole("button", { name: "Admin", exact: true });
    await adminButton.waitFor();

    await context.setOffline(true);
    await page.getByText("Connection lost").waitFor({ timeout: 15_000 });
    await as(ada, "PATCH", `/users/${carol.id}`, { role: "member" });
    await context.setOffline(false);
    await waitOnline(page);
    await adminButton.waitFor({ state: "detached", timeout: 10_000 });

    await context.setOffline(true);
    await page.getByText("Connection lost").waitFor({ timeout: 15_000 });
    await as(ada, "PATCH", `/users/${carol.id}`, { role: "admin" });
    await context.setOffline(false);
    await waitOnline(page);
    await adminButton.waitFor({ timeout: 10_000 });
  });
});
