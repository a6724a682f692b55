import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import {
  AdminUser, AdminUsersPage, AdminUsersQuery, OkAnswer, PasswordChangeBody, PasswordResetBody, PasswordResetFor, PasswordResetLink, PasswordResetParams,
  DemoAccountsDeactivated, PeoplePage, PeopleQuery, PresenceAlert, PresenceAlertBody, PresenceAlerts, Profile, ProfilePatch, UserIdParams, UserPatchBody,
} from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { HttpError } from "../errors.js";
import { SESSION_COOKIE } from "../session-plugin.js";
import { currentUser } from "./auth.js";
import { requireAdmin } from "./moderation.js";
import { MAX_PRESENCE_ALERTS } from "../../domain/users/presence-alerts.js";

export const DEACTIVATED_MESSAGE = "This account is deactivated: ask an administrator";
const INVALID_RESET = "This reset link is not valid: it is unknown, used or expired";

/**
 * Accounts (issue 18): profiles, passwords, the people directory and account administration.
 * Every session a password change, a reset or a deactivation ends goes through `Sessions.endAll`
 * (sockets close everywhere; whatever else hangs off it follows).
 */
export function accountRoutes(ctx: ChatContext) {
  const profileOf = async (id: number) => {
    const profile = await ctx.profiles.get(id);
    if (!profile) throw new HttpError(404, "No such user");
    return profile;
  };

  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get("/me/profile", { schema: { response: { 200: Profile } } }, async (request) => profileOf(currentUser(request).id));

    app.patch("/me/profile", { schema: { body: ProfilePatch, response: { 200: Profile } } }, async (request) => {
      const user = currentUser(request);
      const profile = await ctx.profiles.update(user.id, request.body);
      if (!profile) throw new HttpError(404, "No such user");
      await ctx.accountChanges.publish({ change: "profile", userId: user.id });
      return profile;
    });

    app.get("/users/:id/profile", { schema: { params: UserIdParams, response: { 200: Profile } } }, async (request) => {
      currentUser(request);
      return profileOf(request.params.id);
    });

    /** Every other session of theirs ends; this one stays. */
    app.put("/me/password", { schema: { body: PasswordChangeBody, response: { 200: OkAnswer } } }, async (request) => {
      const user = currentUser(request);
      const { currentPassword, newPassword } = request.body;
      if (!(await ctx.passwords.change(user.id, currentPassword, newPassword, request.sessionId ?? undefined))) {
        throw new HttpError(403, "The current password is wrong");
      }
      return { ok: true as const };
    });

    app.post("/users/:id/password-reset", { schema: { params: UserIdParams, response: { 201: PasswordResetLink } } }, async (request, reply) => {
      const admin = await requireAdmin(ctx, request);
      const target = await profileOf(request.params.id);
      if (target.role === "bot") throw new HttpError(400, "Bots sign in with API tokens, not passwords");
      const { token, expiresAt } = await ctx.passwords.createReset(target.id, admin.id);
      await ctx.audit.record({ action: "user.password-reset", actorId: admin.id, userId: target.id });
      const url = `${request.protocol}://${request.host}/?reset=${encodeURIComponent(token)}`;
      return reply.code(201).send({ url, expiresAt });
    });

    /** Public: whom a working link is for (its page names the account before a password is typed). */
    app.get("/password-reset/:token", { config: { public: true }, schema: { params: PasswordResetParams, response: { 200: PasswordResetFor } } }, async (request) => {
      const found = await ctx.passwords.peekReset(request.params.token, (by) => ctx.standing.standsBehind(by));
      const profile = found && await ctx.profiles.get(found.userId);
      if (!found || !profile) throw new HttpError(404, INVALID_RESET);
      return { username: profile.username, displayName: profile.displayName, expiresAt: found.expiresAt };
    });

    /** Public: the token is the credential. Every session of the person ends. */
    app.post("/password-reset", { config: { public: true }, schema: { body: PasswordResetBody, response: { 200: OkAnswer } } }, async (request, reply) => {
      const userId = await ctx.passwords.reset(request.body.token, request.body.newPassword, (by) => ctx.standing.standsBehind(by));
      if (userId === undefined) throw new HttpError(404, INVALID_RESET);
      if (request.user?.id === userId) reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return { ok: true as const };
    });

    app.get("/people", { schema: { querystring: PeopleQuery, response: { 200: PeoplePage } } }, async (request) => {
      currentUser(request);
      return ctx.directory.people(request.query);
    });

    /** Whom I want to be told of when they come online. */
    app.get("/me/presence-alerts", { schema: { response: { 200: PresenceAlerts } } }, async (request) => ({
      userIds: await ctx.presenceAlerts.list(currentUser(request).id),
    }));

    app.put("/users/:id/presence-alert", { schema: { params: UserIdParams, body: PresenceAlertBody, response: { 200: PresenceAlert } } }, async (request) => {
      const user = currentUser(request);
      const { id } = request.params;
      const { on } = request.body;
      if (on) {
        if (id === user.id) throw new HttpError(400, "You are always online to yourself");
        await profileOf(id);
      }
      if (!(await ctx.presenceAlerts.set(user.id, id, on))) throw new HttpError(409, `At most ${MAX_PRESENCE_ALERTS} people`);
      // The person's other tabs and devices show the choice at once.
      await ctx.accountChanges.publish({ change: "presence.alerts", userId: user.id });
      return { userId: id, on };
    });

    app.get("/admin/users", { schema: { querystring: AdminUsersQuery, response: { 200: AdminUsersPage } } }, async (request) => {
      await requireAdmin(ctx, request);
      const page = await ctx.directory.accounts(request.query);
      // Who banned is known with when and why (bans made before that was kept: just banned).
      const bans = await ctx.bans.inForce(page.users.filter((u) => u.banned).map((u) => u.id));
      return {
        ...page,
        users: page.users.map((u) => {
          const kept = bans.get(u.id);
          return kept ? { ...u, ban: { at: kept.at, by: kept.by, ...(kept.reason ? { reason: kept.reason } : {}) } } : u;
        }),
      };
    });

    /**
     * Every demo account still usable with the published password is deactivated at once
     * (administrators, once a real one exists): the seed's keys stay; sign-in is refused and
     * `GET /setup` stops offering them. Answers who was deactivated.
     */
    app.post("/admin/demo-accounts/deactivate", { schema: { response: { 200: DemoAccountsDeactivated } } }, async (request) => {
      const admin = await requireAdmin(ctx, request);
      const accounts = (await ctx.firstRun.usableDemoAccountIds()).filter((a) => a.id !== admin.id);
      for (const { id } of accounts) {
        if (!(await ctx.deactivations.set(id, true))) continue;
        await ctx.audit.record({ action: "user.deactivate", actorId: admin.id, userId: id });
        await ctx.sessions.endAll(id, undefined, { code: "deactivated" });
        await ctx.accountChanges.publish({ change: "profile", userId: id });
      }
      return { usernames: accounts.map((a) => a.username) };
    });

    /** Promote, demote, deactivate, reactivate (administrators); never the last administrator. */
    app.patch("/users/:id", { schema: { params: UserIdParams, body: UserPatchBody, response: { 200: AdminUser } } }, async (request) => {
      const admin = await requireAdmin(ctx, request);
      const target = await profileOf(request.params.id);
      if (target.role === "bot") throw new HttpError(400, "Bots are managed under bots");
      const { role, deactivated } = request.body;
      const losesAdmin = target.role === "admin" && (role === "member" || deactivated === true);
      if (losesAdmin && (await ctx.directory.activeAdminCount()) <= 1) throw new HttpError(409, "This is the last administrator: promote another first");
      if (role !== undefined && role !== target.role) {
        await ctx.roles.set(target.id, role);
        await ctx.audit.record({ action: "user.role", actorId: admin.id, userId: target.id, detail: role });
      }
      if (deactivated !== undefined && (await ctx.deactivations.set(target.id, deactivated))) {
        await ctx.audit.record({ action: deactivated ? "user.deactivate" : "user.reactivate", actorId: admin.id, userId: target.id });
        // Written first, so a sign-in racing with this is refused; then every session and socket ends.
        if (deactivated) await ctx.sessions.endAll(target.id, undefined, { code: "deactivated" });
      }
      await ctx.accountChanges.publish({ change: "profile", userId: target.id });
      const [updated] = await ctx.profiles.many([target.id]);
      return updated!;
    });
  };
  return plugin;
}

/** After a sign-in identified the user: a deactivated account is refused (403, saying so). */
export async function refuseDeactivated(ctx: ChatContext, userId: number): Promise<void> {
  if (await ctx.deactivations.isDeactivated(userId)) throw new HttpError(403, DEACTIVATED_MESSAGE);
}

