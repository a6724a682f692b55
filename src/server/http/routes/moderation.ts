import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AuditEntry, AuditQuery, BanBody, BanState, CreateAccountBody, newPasswordProblem, Role, UserIdParams, type SessionUser } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";
import { endAllSessions } from "../../domain/sessions.js";

/** The session user when they are an administrator; 403 otherwise. */
export async function requireAdmin(ctx: ChatContext, request: FastifyRequest): Promise<SessionUser> {
  const user = currentUser(request);
  if (!(await ctx.roles.isAdmin(user.id))) throw new HttpError(403, "Only administrators can do that");
  return user;
}

/**
 * Moderation (issue 9; administrators only): bans, the audit log, and accounts made by an
 * administrator (the way in with `REGISTRATION=closed`).
 */
export function moderationRoutes(ctx: ChatContext) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.post("/users/:id/ban", { schema: { params: UserIdParams, body: BanBody, response: { 200: BanState } } }, async (request): Promise<BanState> => {
      const admin = await requireAdmin(ctx, request);
      const target = await existingUser(ctx, request.params.id);
      if (target.id === admin.id) throw new HttpError(400, "You cannot ban yourself");
      if (await ctx.roles.isAdmin(target.id)) throw new HttpError(403, "Administrators cannot be banned");
      // Banned first: a sign-in racing with this is refused; then every session and socket ends.
      if (await ctx.bans.ban(target.id)) {
        const reason = request.body?.reason || undefined;
        const entry = await ctx.audit.record({ action: "user.ban", actorId: admin.id, userId: target.id, detail: reason });
        // Before anyone hears of the ban: the Bans tab and the audit log read these.
        await ctx.bans.describe(target.id, { at: Date.now(), by: admin.id, ...(reason ? { reason } : {}), entry });
      }
      // Every session (the per-user index of issue 8) and, through session.ended, their sockets:
      // each open page is told it was a ban, and why.
      await endAllSessions(ctx, target.id, { code: "banned", detail: request.body?.reason || undefined });
      await ctx.roomChanges.publish({ change: "user.banned", userId: target.id, username: target.username });
      // Asked for: the links still open go too, so the person cannot come back through one.
      if (request.body?.revokeInvitations) return { ...target, banned: true, invitationsRevoked: await revokeOpenInvitations(ctx, admin.id) };
      return { ...target, banned: true };
    });

    app.delete("/users/:id/ban", { schema: { params: UserIdParams, response: { 200: BanState } } }, async (request): Promise<BanState> => {
      const admin = await requireAdmin(ctx, request);
      const target = await existingUser(ctx, request.params.id);
      if (await ctx.bans.lift(target.id)) {
        await ctx.audit.record({ action: "user.unban", actorId: admin.id, userId: target.id });
        await ctx.roomChanges.publish({ change: "user.unbanned", userId: target.id, username: target.username });
      }
      return { ...target, banned: false };
    });

    app.get("/admin/audit", { schema: { querystring: AuditQuery, response: { 200: z.array(AuditEntry) } } }, async (request) => {
      await requireAdmin(ctx, request);
      const entries = await ctx.audit.read(request.query.limit, request.query.before);
      const banned = [...new Set(entries.flatMap((e) => (e.action === "user.ban" && e.userId !== undefined ? [e.userId] : [])))];
      const [names, bans] = await Promise.all([
        ctx.users.usernames([...new Set(entries.flatMap((e) => [e.actorId, ...(e.userId ? [e.userId] : [])]))]),
        ctx.bans.inForce(banned),
      ]);
      // A ban entry is in force while that person is banned by it: its own entry id is kept with
      // the ban; a ban from before that was kept counts as in force while the person is banned.
      const inForce = (e: AuditEntry) => {
        if (e.userId === undefined || !bans.has(e.userId)) return false;
        const entry = bans.get(e.userId)?.entry;
        return entry === undefined || entry === e.id;
      };
      // The names kept in an entry win (a later rename does not rewrite the log); older entries get today's.
      return entries.map((e) => ({
        ...(names.has(e.actorId) ? { actorName: names.get(e.actorId) } : {}),
        ...(e.userId !== undefined && names.has(e.userId) ? { userName: names.get(e.userId) } : {}),
        ...e,
        ...(e.action === "user.ban" ? { inForce: inForce(e) } : {}),
      }));
    });

    app.post("/admin/users", { schema: { body: CreateAccountBody, response: { 201: z.object({ id: z.number().int(), username: z.string(), role: Role }) } } }, async (request, reply) => {
      const admin = await requireAdmin(ctx, request);
      const { username, password, role } = request.body;
      const problem = newPasswordProblem(password);
      if (problem) throw new HttpError(400, problem);
      if ((await ctx.users.findByName(username)) !== undefined) throw new HttpError(409, "That name is taken");
      const user = await ctx.users.create(username, password);
      if ("taken" in user) throw new HttpError(409, "That name is taken");
      await ctx.adminGrants.afterRegistration(user);
      if (role === "admin") await ctx.roles.set(user.id, "admin");
      await ctx.audit.record({ action: "user.create", actorId: admin.id, userId: user.id, detail: role });
      await ctx.accountChanges.publish({ change: "profile", userId: user.id });
      return reply.code(201).send({ ...user, role: await ctx.roles.of(user.id) });
    });
  };
  return plugin;
}

async function existingUser(ctx: ChatContext, id: number): Promise<{ id: number; username: string }> {
  const username = (await ctx.users.usernames([id])).get(id);
  if (username === undefined) throw new HttpError(404, "No such user");
  return { id, username };
}

/** Revokes every invitation not used up nor expired (as `GET /invites` lists them); how many it revoked. */
async function revokeOpenInvitations(ctx: ChatContext, adminId: number): Promise<number> {
  let revoked = 0;
  for (const invite of await ctx.invites.list()) {
    // Revoked meanwhile by another administrator: not counted twice, nor logged twice.
    if (!(await ctx.invites.delete(invite.code))) continue;
    await ctx.audit.record({ action: "invite.delete", actorId: adminId });
    revoked += 1;
  }
  return revoked;
}
