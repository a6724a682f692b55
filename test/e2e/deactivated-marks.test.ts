import { describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { axeViolations } from "./axe.js";
import { chats, messageList, newPage, useBrowserStack } from "./harness.js";
import { accountsByApi } from "./accounts-by-api.js";

/**
 * A deactivated person's name is marked where it shows (a message's author line, the room's
 * member list, the group's header), and they are no longer offered for @mentions; a reactivation
 * takes every mark away. Both live, on a page that stays open.
 */
const env = useBrowserStack({ demoData: false, adminUsernames: ["ada"] });
const { account, as, signInAs } = accountsByApi(env, "a-long-password");
// Screenshots to look at, when asked for (a directory outside the repository).
const SHOTS = process.env.DEACT_SHOTS;

describe("web client: deactivated people, marked live", () => {
  it("an admin deactivates a group member: the other members' open page marks them at once, and a reactivation unmarks them", async () => {
    const ada = await account("ada");
    await account("bob");
    const carol = await account("carol");
    const dave = await account("dave");
    const group = (await as(carol, "POST", "/rooms", { members: [(await account("bob")).id, dave.id] })) as { id: string };
    await as(dave, "POST", `/room/${group.id}/messages`, { message: "dave here, hello" });

    const { page } = await newPage(env.browser);
    await signInAs(page, "bob");
    await chats(page).getByRole("button", { name: /carol, dave/ }).first().click();
    const daveRow = messageList(page).locator("li.msg", { hasText: "dave here, hello" });
    await daveRow.waitFor();
    await page.getByRole("button", { name: "Room details" }).click();
    const daveMember = page.getByRole("list", { name: "Members" }).getByRole("listitem").filter({ hasText: "dave" });
    await daveMember.waitFor();
    const subtitle = page.locator(".room__subtitle");
    const box = page.getByRole("textbox", { name: "Message" });
    const suggestions = page.getByRole("listbox", { name: "People to mention" });
    // Before: dave is offered for a mention, and nothing marks him.
    await box.fill("@");
    await suggestions.getByRole("option", { name: /dave/ }).waitFor();
    await box.fill("");
    expect(await page.locator(".deactivated-mark").count()).toBe(0);

    await as(ada, "PATCH", `/users/${dave.id}`, { deactivated: true });
    await daveRow.locator(".deactivated-mark").waitFor({ timeout: 10_000 });
    await daveMember.locator(".deactivated-mark").waitFor({ timeout: 10_000 });
    // Read out with the name: "dave (deactivated)".
    expect(await daveRow.getByText("deactivated").textContent()).toBe(" (deactivated)");
    await expect.poll(() => subtitle.textContent(), { timeout: 10_000 }).toContain("dave deactivated");
    // The list is drawn (carol is in it) without dave.
    await box.fill("@");
    await suggestions.getByRole("option", { name: /carol/ }).waitFor();
    expect(await suggestions.getByRole("option", { name: /dave/ }).count()).toBe(0);
    await box.fill("");
    expect((await axeViolations(page)).join("\n")).toBe("");
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.mouse.move(1, 1);
      await page.screenshot({ path: `${SHOTS}/desktop-deactivated.png` });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: `${SHOTS}/phone-details-deactivated.png` });
      await page.setViewportSize({ width: 1280, height: 800 });
    }

    await as(ada, "PATCH", `/users/${dave.id}`, { deactivated: false });
    await expect.poll(() => page.locator(".deactivated-mark").count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => subtitle.textContent(), { timeout: 10_000 }).not.toContain("deactivated");
    await box.fill("@");
    await suggestions.getByRole("option", { name: /dave/ }).waitFor();
  });
});
