import { verify } from "@node-rs/bcrypt";
import type { ChatContext } from "./context.js";
import { DEMO_PASSWORD, DEMO_USERS } from "./domain/demo-data.js";
import { keys } from "./redis/keys.js";

/**
 * Start-up for issue 9: grants `ADMIN_USERNAMES` their role (and settles whether a first account
 * may still become administrator by itself), and, in production, says loudly when demo accounts
 * with their public password can sign in.
 */
export async function startCommunity(ctx: ChatContext): Promise<void> {
  const promoted = await ctx.adminGrants.atStart((name) => ctx.users.findByName(name), DEMO_USERS);
  if (promoted.length > 0) ctx.log.info({ userIds: promoted }, "ADMIN_USERNAMES: made administrators");
  if (ctx.config.registration !== "open") ctx.log.info({ registration: ctx.config.registration }, "registration is restricted");
  if (!ctx.config.production) return;
  if (!ctx.config.publicUrl) ctx.log.warn("PUBLIC_URL is not set: invitation links are relative to the site (set it to where people reach this server)");
  const live = await demoAccountsWithPublicPassword(ctx);
  if (ctx.config.demoData || live.length > 0) {
    ctx.log.warn(
      { demoData: ctx.config.demoData, demoAccounts: live },
      "production with demo data: the demo accounts' password is public; set DEMO_DATA=false and remove or re-password them",
    );
  }
}

/** Demo usernames that still sign in with the demo password. */
async function demoAccountsWithPublicPassword(ctx: ChatContext): Promise<string[]> {
  const found: string[] = [];
  for (const name of DEMO_USERS) {
    const id = await ctx.users.idByUsername(name);
    if (id === undefined) continue;
    const hash = await ctx.redis.hGet(keys.user(id), "password");
    if (hash && (await verify(DEMO_PASSWORD, hash).catch(() => false))) found.push(name);
  }
  return found;
}
