import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { CreateInviteBody, Invite, inviteAuditDetail, InviteParams, InviteState, OkAnswer, RegistrationInfo } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import type { InviteRecord } from "../../domain/users/invites.js";
import { HttpError } from "../errors.js";
import { publicLink } from "../public-url.js";
import { requireAdmin } from "./moderation.js";

/**
 * Invitations (issue 9; administrators only): `POST /invites`, `GET /invites`,
 * `DELETE /invites/:code`; and `GET /registration` (public) says how accounts are made here, and
 * `GET /invites/:code/state` (public) whether an invitation link still works, so the page says so on load.
 */
export function inviteRoutes(ctx: ChatContext) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get("/registration", { config: { public: true }, schema: { response: { 200: RegistrationInfo } } }, async () => ({ mode: await ctx.registration.mode() }));

    app.get("/invites/:code/state", { config: { public: true }, schema: { params: InviteParams, response: { 200: InviteState } } }, async (request) => {
      const invite = await ctx.invites.get(request.params.code);
      // An expired invitation's key expires with it: an unknown code may be one that expired.
      // Withdrawn with its maker's ban or deactivation: no longer valid, as a revoked one.
      if (!invite || !(await ctx.standing.standsBehind(invite.createdBy))) return { state: "unknown" as const };
      if (invite.expiresAt <= Date.now()) return { state: "expired" as const };
      if (invite.maxUses !== null && invite.uses >= invite.maxUses) return { state: "used" as const };
      return { state: "valid" as const };
    });

    app.post("/invites", { schema: { body: CreateInviteBody, response: { 201: Invite } } }, async (request, reply) => {
      const admin = await requireAdmin(ctx, request);
      const { maxUses, expiresInHours } = request.body;
      const invite = await ctx.invites.create(admin.id, maxUses, expiresInHours * 3_600_000);
      await ctx.audit.record({ action: "invite.create", actorId: admin.id, detail: inviteAuditDetail(maxUses, expiresInHours) });
      return reply.code(201).send(toInvite(invite, publicLink(ctx.config, request, inviteLink(invite))));
    });

    app.get("/invites", { schema: { response: { 200: z.array(Invite) } } }, async (request) => {
      await requireAdmin(ctx, request);
      const invites = await ctx.invites.list();
      const suspended = await suspensions(ctx, invites.map((invite) => invite.createdBy));
      return invites.map((invite) => ({
        ...toInvite(invite, publicLink(ctx.config, request, inviteLink(invite))),
        ...(suspended.has(invite.createdBy) ? { suspended: suspended.get(invite.createdBy) } : {}),
      }));
    });

    app.delete("/invites/:code", { schema: { params: InviteParams, response: { 200: OkAnswer } } }, async (request) => {
      const admin = await requireAdmin(ctx, request);
      if (!(await ctx.invites.delete(request.params.code))) throw new HttpError(404, "This invitation was already revoked or has expired");
      await ctx.audit.record({ action: "invite.delete", actorId: admin.id });
      return { ok: true as const };
    });
  };
  return plugin;
}

/**
 * Of the invitations' makers, those who no longer stand behind them (banned or deactivated: their
 * invitations admit nobody, as `/invites/:code/state` and sign-up check), with their names.
 */
async function suspensions(ctx: ChatContext, makers: number[]): Promise<Map<number, NonNullable<Invite["suspended"]>>> {
  const ids = [...new Set(makers)];
  const standing = await Promise.all(ids.map(async (id) => ({ id, because: await ctx.standing.withdrawnBy(id) })));
  const out = standing.filter((s) => s.because !== undefined);
  if (out.length === 0) return new Map();
  const names = await ctx.users.usernames(out.map((s) => s.id));
  return new Map(out.map((s) => [s.id, { makerName: names.get(s.id) ?? `#${s.id}`, because: s.because! }]));
}

/** The link opens the web client's sign-in with the code filled in (made absolute by publicLink). */
const inviteLink = (record: InviteRecord) => `/?invite=${encodeURIComponent(record.code)}`;

function toInvite(record: InviteRecord, url: string): Invite {
  return { code: record.code, url, expiresAt: record.expiresAt, maxUses: record.maxUses, uses: record.uses, createdBy: record.createdBy };
}
