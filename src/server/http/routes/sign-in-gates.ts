import { BANNED_MESSAGE, GENERAL_ROOM_ID, type LoginBody, type SessionUser } from "../../../protocol/index.js";
import type { FastifyReply } from "fastify";
import type { ChatContext } from "../../context.js";
import { endAllSessions } from "../../domain/sessions.js";
import { SESSION_COOKIE } from "../session-plugin.js";
import type { RegistrationAdmission } from "../../domain/users/registration.js";
import { HttpError } from "../errors.js";


/**
 * Before `POST /login` may create an account (issue 9): an unknown name registers only as
 * `REGISTRATION` allows (an invitation's use is taken here), and not at all when the client asked
 * to sign in only (`createAccount: false`). Answers undefined for a known name.
 */
export async function admitNewName(ctx: ChatContext, body: LoginBody): Promise<RegistrationAdmission | undefined> {
  if ((await ctx.users.findByName(body.username)) !== undefined) return undefined;
  const admission = await ctx.registration.admit({ invite: body.invite, createAccount: body.createAccount });
  if (!admission.allowed) throw new HttpError(admission.status, admission.message);
  return admission;
}

/**
 * After `POST /login` identified the user: a banned user is refused (403, saying so); an account
 * just created may be the first administrator; a name in `ADMIN_USERNAMES` becomes one. When no
 * account was created after all, the invitation's use is given back.
 */
export async function afterSignIn(
  ctx: ChatContext,
  outcome: { status: string; user?: SessionUser },
  admission: RegistrationAdmission | undefined,
): Promise<void> {
  if (admission && outcome.status !== "registered") await ctx.registration.undo(admission);
  const user = outcome.user;
  if (!user) return;
  if (outcome.status === "registered") {
    // A newcomer's General history is not "unread": their read state starts at its newest message.
    await ctx.readStates.mark(user.id, GENERAL_ROOM_ID, "99999999999999999999");
    // Who came in through which door: open registration is not audited, an invitation's use is.
    if (admission?.invite) await ctx.audit.record({ action: "invite.accept", actorId: user.id });
    return ctx.adminGrants.afterRegistration(user);
  }
  if (await ctx.bans.isBanned(user.id)) throw new HttpError(403, BANNED_MESSAGE);
  await ctx.adminGrants.afterSignIn(user);
}

/**
 * After the session was made: a ban that landed between the check above and now would otherwise
 * miss this new session (the ban ends the sessions it finds). The ban is written before it ends
 * sessions, and this reads it after the session exists, so one of the two always sees the other.
 */
export async function refuseIfBannedMeanwhile(ctx: ChatContext, reply: FastifyReply, user: SessionUser): Promise<void> {
  if (!(await ctx.bans.isBanned(user.id))) return;
  await endAllSessions(ctx, user.id, { code: "banned" });
  reply.clearCookie(SESSION_COOKIE, { path: "/" });
  throw new HttpError(403, BANNED_MESSAGE);
}
