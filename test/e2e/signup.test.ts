import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations } from "./axe.js";
import { chats, newPage, useBrowserStack } from "./harness.js";

/**
 * Signing up where registration is open (docs/api.md, "Who may sign up"): "Create an account" is
 * on the sign-in screen from the start, with the password typed twice, so a newcomer never meets a
 * failed sign-in; a name typed in the sign-in form that has no account still asks first (a typo of
 * one's own name). Closed registration offers no such thing.
 */
const env = useBrowserStack({ adminUsernames: ["Pablo"] });
const PHONE = { width: 390, height: 844 };
const SHOTS = process.env.SCREENSHOT_DIR;

/** Every `POST /login` the page makes, with its status. */
function loginAnswers(page: Page): number[] {
  const statuses: number[] = [];
  page.on("response", (res) => {
    if (res.request().method() === "POST" && new URL(res.url()).pathname === "/login") statuses.push(res.status());
  });
  return statuses;
}

describe("web client: signing up where anyone may join", () => {
  for (const [size, viewport] of [["desktop", { width: 1440, height: 900 }], ["phone", PHONE]] as const) {
    it(`a newcomer creates an account from the sign-in screen with no failed sign-in on the way (${size})`, async () => {
      const { page } = await newPage(env.browser, viewport);
      const answers = loginAnswers(page);
      await page.goto(env.stack.url);
      await page.getByRole("button", { name: "Create an account" }).click();
      await page.getByRole("heading", { name: "Create your account" }).waitFor();
      const name = `newbie_${size}`;
      await page.getByLabel("Username").fill(name);
      await page.getByLabel("Password", { exact: true }).fill("a-long-enough-password");
      await page.getByLabel("Confirm password").fill("a-long-enough-passwort");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("alert").filter({ hasText: "The two passwords are not the same." }).waitFor();
      expect(answers).toEqual([]);
      expect((await axeViolations(page)).join("\n")).toBe("");
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/signup-create-${size}.png` });

      await page.getByLabel("Confirm password").fill("a-long-enough-password");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("button", { name: "Log out" }).waitFor();
      if (size === "phone") await chats(page).getByRole("button", { name: /General/ }).first().waitFor();
      else await page.getByRole("heading", { name: "General" }).waitFor();
      expect(answers).toEqual([201]);
    });
  }

  it("while the account is being made (bcrypt takes a while under load) the button says so and cannot be pressed again", async () => {
    const { page } = await newPage(env.browser);
    // The sign-up is held at the network until the busy state is seen: no race with a fast server.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/login", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(env.stack.url);
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Username").fill("patient_newbie");
    await page.getByLabel("Password", { exact: true }).fill("a-long-enough-password");
    await page.getByLabel("Confirm password").fill("a-long-enough-password");
    await page.getByRole("button", { name: "Create account" }).click();
    const busy = page.getByRole("button", { name: "Creating account…" });
    await busy.waitFor();
    expect(await busy.isDisabled()).toBe(true);
    expect(await page.locator("form[aria-busy=true]").count()).toBe(1);
    release();
    await page.getByRole("button", { name: "Log out" }).waitFor();
  });

  it("a name that already has an account is said to be taken, and the sign-in form is one click away", async () => {
    const { page } = await newPage(env.browser);
    await page.goto(env.stack.url);
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Username").fill("Mary");
    await page.getByLabel("Password", { exact: true }).fill("not-marys-password");
    await page.getByLabel("Confirm password").fill("not-marys-password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("alert").filter({ hasText: "There is already an account called Mary. Choose another name, or sign in if it is yours." }).waitFor();
    await page.getByRole("button", { name: "I already have an account: sign in" }).click();
    await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
    expect(await page.getByLabel("Username").inputValue()).toBe("Mary");
  });

  it("a name with no account typed in the sign-in form still asks before creating it (Pabloo)", async () => {
    const { page } = await newPage(env.browser);
    await page.goto(env.stack.url);
    await page.getByLabel("Username").fill("Pabloo");
    await page.getByLabel("Password").fill("password123");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Create an account?" }).waitFor();
    await page.getByText("There is no account called").waitFor();
    await page.getByRole("button", { name: "Back" }).click();
    await page.getByRole("button", { name: "Create an account" }).waitFor();
  });

  it("with registration closed, the sign-in screen offers no account creation", async () => {
    const admin = await fetch(`${env.stack.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "Pablo", password: "password123" }) });
    const cookie = admin.headers.get("set-cookie")!.split(";")[0]!;
    const set = (registration: string) => fetch(`${env.stack.url}/place/settings`, {
      method: "PATCH", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ registration }),
    });
    expect((await set("closed")).status).toBe(200);
    try {
      const { page } = await newPage(env.browser);
      await page.goto(env.stack.url);
      await page.getByText("Sign in with the account an administrator made for you.").waitFor();
      expect(await page.getByRole("button", { name: "Create an account" }).count()).toBe(0);
    } finally {
      await set("open");
    }
  });
});
