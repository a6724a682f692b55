import { afterAll, beforeAll, describe, it } from "vitest";
import { privateRoomId } from "../../src/protocol/index.js";
import { api, login } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { chats, messageList, newPage, signIn, useBrowserStack } from "./harness.js";

const SHOTS = process.env.SCREENSHOT_DIR;
const env = useBrowserStack();
/** A second instance on the same Redis: Joe's browser is there, Pablo's on the stack's. */
let second: RunningChatServer;

beforeAll(async () => {
  second = await startChatServer({ redisUrl: env.stack.redis.url });
});
afterAll(async () => {
  await second?.close();
});

describe("web client: pins are live", () => {
  it("pinning, unpinning and deleting a pinned message show at once in the other person's header count and open list, across instances", async () => {
    const pabloApi = await login(env.stack.url, "Pablo");
    const joeId = (await login(env.stack.url, "Joe")).user.id;
    const roomId = privateRoomId(pabloApi.user.id, joeId);
    const post = async (message: string) =>
      (await api(env.stack.url, `/room/${roomId}/messages`, pabloApi.cookie, { method: "POST", body: JSON.stringify({ message }) })).body.id as string;
    const first = await post("the pinned plan for Monday");
    const second_ = await post("the other pinned note");

    const pablo = (await newPage(env.browser)).page;
    await signIn(pablo, env.stack.url, "Pablo");
    await chats(pablo).getByRole("button", { name: "Joe", exact: true }).click();
    const joe = (await newPage(env.browser)).page;
    await signIn(joe, second.url, "Joe");
    await chats(joe).getByRole("button", { name: "Pablo", exact: true }).click();
    await messageList(joe).getByText("the other pinned note").waitFor();

    // Joe has the (empty) list open while Pablo pins in his browser.
    await joe.getByRole("button", { name: "Pinned messages", exact: true }).click();
    const joeList = joe.getByRole("dialog");
    await joeList.getByText("Nothing is pinned here yet. Pin a message from its actions to keep it here for everyone.").waitFor();
    for (const id of [first, second_]) {
      const row = messageList(pablo).locator(`li[data-id="${id}"]`);
      await row.hover();
      await row.getByRole("button", { name: "Pin to the room" }).click();
      await row.getByRole("button", { name: "Pinned" }).waitFor();
    }
    await joeList.getByText("the pinned plan for Monday", { exact: true }).waitFor({ timeout: 15_000 });
    await joeList.getByText("the other pinned note", { exact: true }).waitFor({ timeout: 15_000 });
    await joe.getByRole("button", { name: "Pinned messages (2)", exact: true }).waitFor();
    // Each pinned row wears a pin, the first beside its time, the second (under the same header) at its right.
    const pinOf = (id: string) => messageList(joe).locator(`li[data-id="${id}"]`).getByRole("img", { name: "Pinned" });
    await pinOf(first).waitFor();
    await pinOf(second_).waitFor();
    if (SHOTS) await joe.screenshot({ path: `${SHOTS}/pins-live.png` });

    // Pablo unpins one from his own list: it leaves Joe's list, the count follows.
    await pablo.getByRole("button", { name: "Pinned messages (2)", exact: true }).click();
    const pabloList = pablo.getByRole("list", { name: /^Pinned in/ });
    await pabloList.getByRole("listitem").filter({ hasText: "the other pinned note" }).getByRole("button", { name: "Unpin" }).click();
    await joeList.getByText("the other pinned note", { exact: true }).waitFor({ state: "detached", timeout: 15_000 });
    await joe.getByRole("button", { name: "Pinned messages (1)", exact: true }).waitFor();
    await pinOf(second_).waitFor({ state: "detached" });
    await pinOf(first).waitFor();
    await pablo.keyboard.press("Escape");

    // The pinned message is deleted: its pin goes with it, in Joe's list and count.
    const deleted = await api(env.stack.url, `/room/${roomId}/messages/${first}`, pabloApi.cookie, { method: "DELETE" });
    if (deleted.status !== 200) throw new Error(`delete: ${deleted.status}`);
    await joeList.getByText("Nothing is pinned here yet.").waitFor({ timeout: 15_000 });
    await joe.keyboard.press("Escape");
    await joe.getByRole("button", { name: "Pinned messages", exact: true }).waitFor();
    await pablo.getByRole("button", { name: "Pinned messages", exact: true }).waitFor();
  });

  it("a member who may not pin is told who may: in General, administrators", async () => {
    const { page } = await newPage(env.browser);
    await signIn(page, env.stack.url, "Joe");
    await chats(page).getByRole("button", { name: "General", exact: true }).click();
    await page.getByRole("button", { name: "Pinned messages", exact: true }).click();
    await page.getByRole("dialog").getByText("Nothing is pinned here yet. Only administrators pin messages here.").waitFor();
  });
});
