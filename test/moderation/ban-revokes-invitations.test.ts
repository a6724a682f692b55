import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Invite } from "../../src/protocol/index.js";
import { api, type SignedIn } from "../support/chat-client.js";
import { startChatServer, type RunningChatServer } from "../support/chat-server.js";
import { usePrivateRedis } from "../support/redis-server.js";
import { signUp } from "../resilience/helpers.js";

/**
 * A banned person may hold the place's invitation link (it is how they came in): a ban made with
 * `revokeInvitations: true` revokes every open invitation with it, so the link cannot make them a
 * new account; a ban without it leaves the invitations as they were.
 */
const db = usePrivateRedis();
let open: RunningChatServer, server: RunningChatServer;
let boss: SignedIn;

// Two instances on one Redis: one lets anyone register (to make the administrator), the other
// (all the rest) needs an invitation.
beforeAll(async () => {
  [open, server] = await Promise.all([
    startChatServer({ redisUrl: db.redis.url }),
    startChatServer({ redisUrl: db.redis.url, registration: "invite" }),
  ]);
  [boss] = await signUp(open.url, "revoke_boss");
  await db.raw.hSet(`user:${boss.user.id}`, "role", "admin");
});
afterAll(async () => {
  await Promise.all([open?.close(), server?.close()]);
});

const call = (who: SignedIn | undefined, method: string, path: string, body?: unknown) =>
  api(server.url, path, who?.cookie, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

async function openInvitations(): Promise<Invite[]> {
  const answer = await call(boss, "GET", "/invites");
  expect(answer.status).toBe(200);
  return answer.body as Invite[];
}

async function makeInvitations(count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const made = await call(boss, "POST", "/invites", { maxUses: 100, expiresInHours: 24 });
    expect(made.status).toBe(201);
    codes.push((made.body as Invite).code);
  }
  return codes;
}

/** A member who joined through `code`. */
async function joinedWith(code: string, username: string): Promise<number> {
  const joined = await call(undefined, "POST", "/login", { username, password: "password123", createAccount: true, invite: code });
  expect(joined.status).toBe(201);
  return (joined.body as { id: number }).id;
}

const state = async (code: string) => ((await call(undefined, "GET", `/invites/${code}/state`)).body as { state: string }).state;

describe("a ban can revoke the open invitation links with it", () => {
  it("with revokeInvitations: every open invitation is revoked, the answer says how many, and the links admit nobody", async () => {
    const codes = await makeInvitations(2);
    const carol = await joinedWith(codes[0]!, "revoke_carol");

    const ban = await call(boss, "POST", `/users/${carol}/ban`, { reason: "spam", revokeInvitations: true });
    expect(ban.status).toBe(200);
    expect(ban.body).toMatchObject({ id: carol, banned: true, invitationsRevoked: 2 });

    expect(await openInvitations()).toEqual([]);
    for (const code of codes) expect(await state(code)).toBe("unknown");
    const again = await call(undefined, "POST", "/login", { username: "revoke_carol2", password: "password123", createAccount: true, invite: codes[0] });
    expect(again.status).toBe(403);
    const audit = (await call(boss, "GET", "/admin/audit")).body as { action: string }[];
    expect(audit.filter((e) => e.action === "invite.delete")).toHaveLength(2);
  });

  it("without it: the invitations stay open", async () => {
    const codes = await makeInvitations(2);
    const dave = await joinedWith(codes[0]!, "revoke_dave");

    const ban = await call(boss, "POST", `/users/${dave}/ban`, { reason: "spam" });
    expect(ban.status).toBe(200);
    expect(ban.body).not.toHaveProperty("invitationsRevoked");

    expect((await openInvitations()).map((i) => i.code).sort()).toEqual([...codes].sort());
    for (const code of codes) expect(await state(code)).toBe("valid");
  });

  it("revokeInvitations that is not a boolean is refused with 400, and nothing is banned", async () => {
    const [code] = await makeInvitations(1);
    const erin = await joinedWith(code!, "revoke_erin");
    const refused = await call(boss, "POST", `/users/${erin}/ban`, { revokeInvitations: "yes" });
    expect(refused.status).toBe(400);
    expect((refused.body as { message: string }).message).toMatch(/revokeInvitations/);
    expect(await state(code!)).toBe("valid");
    expect(await db.raw.sIsMember("users:banned", String(erin))).toBeFalsy();
  });
});
