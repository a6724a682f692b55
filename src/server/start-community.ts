import { DEMO_USERS } from "./domain/demo-data.js";
import type { ChatContext } from "./context.js";
import { ConfigError } from "./config.js";

/**
 * Start-up for issues 9 and 18: grants `ADMIN_USERNAMES` their role (and settles whether a first
 * account may still become administrator by itself), counts a database from before the first-run
 * setup as set up when people use it, and, in production, refuses to start while demo accounts
 * still sign in with their public password, unless `DEMO_DATA=true` says a demo is meant.
 */
export async function startCommunity(ctx: ChatContext): Promise<void> {
  const promoted = await ctx.adminGrants.atStart((name) => ctx.users.findByName(name), DEMO_USERS);
  if (promoted.length > 0) ctx.log.info({ userIds: promoted }, "ADMIN_USERNAMES: made administrators");
  if (await ctx.firstRun.upgradeExisting()) ctx.log.info("a database from before the first-run setup: counted as set up");
  const settings = await ctx.placeSettings.read();
  if (settings.registration !== "open") ctx.log.info({ registration: settings.registration }, "registration is restricted");
  if (!ctx.config.production) return;
  if (!ctx.config.publicUrl) ctx.log.warn("PUBLIC_URL is not set: invitation links are relative to the site (set it to where people reach this server)");
  const live = await ctx.firstRun.usableDemoAccounts();
  if (live.length > 0 && !(ctx.config.demoDataExplicit && ctx.config.demoData)) {
    throw new ConfigError(
      `production with demo accounts that sign in with the public demo password (${live.join(", ")}): ` +
        "change their passwords or run `npm run demo:reset` on a fresh database; set DEMO_DATA=true if a public demo is meant",
    );
  }
  if (ctx.config.demoData || live.length > 0) {
    ctx.log.warn(
      { demoData: ctx.config.demoData, demoAccounts: live },
      "production with demo data: the demo accounts' password is public; set DEMO_DATA=false and remove or re-password them",
    );
  }
}
