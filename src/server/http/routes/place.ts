import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { PlaceSettings, PlaceSettingsPatch, placeSettingsAuditDetail, SessionUser, SetupBody, SetupState } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { HttpError } from "../errors.js";
import { requireAdmin } from "./moderation.js";

export const NOT_SET_UP = "This place is not set up yet: open it in a browser to set it up";
export const REGISTRATION_AFTER_SETUP = "Registration opens once an administrator has set this place up";

/**
 * Before `POST /login` (issue 18): until the place is set up nobody registers, and with no demo
 * accounts either nobody signs in. A known name may sign in meanwhile (the demo's accounts).
 */
export async function refuseUntilSetUp(ctx: ChatContext, username: string): Promise<void> {
  if (await ctx.firstRun.isSetUp()) return;
  if (await ctx.firstRun.locked()) throw new HttpError(403, NOT_SET_UP);
  if ((await ctx.users.findByName(username)) === undefined) throw new HttpError(403, REGISTRATION_AFTER_SETUP);
}

/**
 * The first run and the place's settings (issue 18): `GET /setup` (public: what the first screen
 * shows), `POST /setup` (public, once: the first administrator, signed in at once), and
 * `GET|PATCH /place/settings` (administrators change them; every instance follows at once).
 */
export function placeRoutes(ctx: ChatContext) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get("/setup", { config: { public: true }, schema: { response: { 200: SetupState } } }, async () => ctx.firstRun.state());

    app.post("/setup", { config: { public: true }, schema: { body: SetupBody, response: { 201: SessionUser } } }, async (request, reply) => {
      const outcome = await ctx.firstRun.setUp(request.body);
      if (outcome.status === "already-set-up") throw new HttpError(409, "This place is already set up");
      if (outcome.status === "name-taken") throw new HttpError(409, "That name is taken");
      await ctx.audit.record({ action: "place.setup", actorId: outcome.user.id, userId: outcome.user.id, detail: request.body.placeName });
      await ctx.accountChanges.publish({ change: "settings" });
      await reply.startSession(outcome.user);
      return reply.code(201).send(outcome.user);
    });

    app.get("/place/settings", { schema: { response: { 200: PlaceSettings } } }, async () => ctx.placeSettings.read());

    app.patch("/place/settings", { schema: { body: PlaceSettingsPatch, response: { 200: PlaceSettings } } }, async (request) => {
      const admin = await requireAdmin(ctx, request);
      const { settings, changed } = await ctx.placeSettings.update(request.body);
      // Only what changed: the form sends every field, and a save that changes nothing is not an action.
      if (Object.keys(changed).length > 0) await ctx.audit.record({ action: "place.settings", actorId: admin.id, detail: placeSettingsAuditDetail(changed) });
      await ctx.accountChanges.publish({ change: "settings" });
      return settings;
    });
  };
  return plugin;
}
