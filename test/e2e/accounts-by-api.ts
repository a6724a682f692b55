import type { Page } from "playwright-core";
import { waitOnline } from "./harness.js";

export interface Account { id: number; cookie: string }

/**
 * Accounts of one browser test file, all with one password: each is made (or signed in) through
 * the API the first time it is named, and a page signs in as one through the sign-in form.
 */
export function accountsByApi(env: { stack: { url: string } }, password: string) {
  const accounts = new Map<string, Account>();

  /** An API call as `who`; a refusal throws with the status and the server's message. */
  async function as(who: Account, method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${env.stack.url}${path}`, {
      method, headers: { cookie: who.cookie, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  async function account(username: string, displayName?: string): Promise<Account> {
    const known = accounts.get(username);
    if (known) return known;
    const res = await fetch(`${env.stack.url}/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
    if (!res.ok) throw new Error(`register ${username}: ${res.status}`);
    const made = { id: ((await res.json()) as { id: number }).id, cookie: res.headers.get("set-cookie")!.split(";")[0]! };
    accounts.set(username, made);
    if (displayName) await as(made, "PATCH", "/me/profile", { displayName });
    return made;
  }

  async function signInAs(page: Page, username: string, url = env.stack.url): Promise<void> {
    await account(username);
    await page.goto(url);
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await waitOnline(page);
  }

  return { account, as, signInAs };
}
