import { describe, expect, it } from "vitest";
import { api, login } from "../support/chat-client.js";
import { axeViolations } from "./axe.js";
import { newPage, signIn, useBrowserStack } from "./harness.js";

/**
 * An administrator's one-time password reset link, opened by the person it is for: the page names
 * the account and the place before a password is typed, sets it, and a used link says it is spent.
 */
const env = useBrowserStack({ adminUsernames: ["Pablo"] });
const SIZES = [["desktop", { width: 1280, height: 800 }], ["phone", { width: 390, height: 844 }]] as const;

async function resetLinkFor(username: string, displayName: string): Promise<string> {
  const person = await login(env.stack.url, username);
  await api(env.stack.url, "/me/profile", person.cookie, { method: "PATCH", body: JSON.stringify({ displayName }) });
  const admin = await login(env.stack.url, "Pablo");
  const made = await api(env.stack.url, `/users/${person.user.id}/password-reset`, admin.cookie, { method: "POST", body: "{}" });
  expect(made.status).toBe(201);
  return (made.body as { url: string }).url;
}

describe("web client: a password reset link", () => {
  for (const [size, viewport] of SIZES) {
    it(`names the account and the place, sets the password once, and a used link says it is not valid (${size})`, async () => {
      const username = `resetee_${size}`;
      const link = await resetLinkFor(username, `Rita ${size}`);
      const place = ((await api(env.stack.url, "/setup")).body as { placeName: string }).placeName;
      const { page } = await newPage(env.browser, viewport);
      await page.goto(link);
      const card = page.getByRole("form", { name: "Choose a new password" });
      await card.getByText(`For Rita ${size} (@${username}) at ${place}.`, { exact: false }).waitFor();
      expect((await axeViolations(page)).join("\n")).toBe("");
      await page.screenshot({ path: `/tmp/password-reset-${size}.png` });

      await card.getByLabel("New password").fill("a-brand-new-password");
      await card.getByLabel("Repeat it").fill("a-brand-new-password");
      await card.getByRole("button", { name: "Set password" }).click();
      await card.getByRole("status").getByText("Your password is set.", { exact: false }).waitFor();
      await card.getByRole("button", { name: "Sign in" }).click();
      await signIn(page, env.stack.url, username, "a-brand-new-password");

      // Opened again (in another browser: a signed-in one opens the chat).
      const { page: later } = await newPage(env.browser, viewport);
      await later.goto(link);
      await later.getByRole("alert").getByText("This reset link is not valid: it is unknown, used or expired. Ask an administrator for a new link.").waitFor();
      expect(await later.getByLabel("New password", { exact: true }).count()).toBe(0);
    });
  }
});
