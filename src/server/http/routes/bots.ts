import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { BotList, BotParams, BotSummary, BotToken, CreateBotBody, CreatedBot, UpdateBotBody } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { checkWebhookUrl, WebhookUrlError } from "../../integrations/webhook-url.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";

/**
 * Bots, for administrators: `POST /bots` (201, the token and webhook secret shown once),
 * `GET /bots` (no tokens; webhook delivery state), `PATCH /bots/:id` (webhook URL),
 * `POST /bots/:id/token` (new token, the old one revoked), `DELETE /bots/:id` (204).
 * Webhook URLs pointing at private networks are refused with 400 (unless ALLOW_PRIVATE_NETWORK_FETCH).
 */
export function botRoutes(ctx: ChatContext) {
  const requireAdmin = async (request: FastifyRequest) => {
    const user = currentUser(request);
    if (!(await ctx.roles.isAdmin(user.id))) throw new HttpError(403, "Only administrators manage bots");
    return user;
  };
  const checkUrl = async (url: string) => {
    try {
      await checkWebhookUrl(url, ctx.config.allowPrivateNetworkFetch);
    } catch (err) {
      if (err instanceof WebhookUrlError) throw new HttpError(400, err.message);
      throw err;
    }
  };

  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.post("/bots", { schema: { body: CreateBotBody, response: { 201: CreatedBot } } }, async (request, reply) => {
      const admin = await requireAdmin(request);
      const { name, webhookUrl } = request.body;
      if (webhookUrl) await checkUrl(webhookUrl);
      const created = await ctx.bots.create(name, webhookUrl, admin.id);
      if (created.status === "name-taken") throw new HttpError(409, "That name is taken");
      await ctx.audit.record({ action: "bot.create", actorId: admin.id, userId: created.id, ...(webhookUrl ? { detail: webhookUrl } : {}) });
      const { status: _status, ...bot } = created;
      return reply.code(201).send(bot);
    });

    app.get("/bots", { schema: { response: { 200: BotList } } }, async (request) => {
      await requireAdmin(request);
      return ctx.bots.list();
    });

    app.patch("/bots/:id", { schema: { params: BotParams, body: UpdateBotBody, response: { 200: BotSummary } } }, async (request) => {
      const admin = await requireAdmin(request);
      const { webhookUrl } = request.body;
      if (webhookUrl) await checkUrl(webhookUrl);
      const changed = await ctx.bots.setWebhook(request.params.id, webhookUrl);
      const bot = changed && (await ctx.bots.summary(request.params.id));
      if (!changed || !bot) throw new HttpError(404, "No such bot");
      await ctx.audit.record({ action: "bot.webhook.change", actorId: admin.id, userId: bot.id, detail: webhookUrl ?? "removed" });
      return { ...bot, ...(changed.webhookSecret ? { webhookSecret: changed.webhookSecret } : {}) };
    });

    app.post("/bots/:id/token", { schema: { params: BotParams, response: { 200: BotToken } } }, async (request) => {
      const admin = await requireAdmin(request);
      const rotated = await ctx.bots.rotateToken(request.params.id);
      if (!rotated) throw new HttpError(404, "No such bot");
      await ctx.audit.record({ action: "bot.token.rotate", actorId: admin.id, userId: rotated.id });
      return rotated;
    });

    app.delete("/bots/:id", { schema: { params: BotParams, response: { 204: z.null().meta({ description: "Deleted" }) } } }, async (request, reply) => {
      const admin = await requireAdmin(request);
      if (!(await ctx.bots.remove(request.params.id))) throw new HttpError(404, "No such bot");
      await ctx.audit.record({ action: "bot.delete", actorId: admin.id, userId: request.params.id });
      return reply.code(204).send(null);
    });
  };
  return plugin;
}
