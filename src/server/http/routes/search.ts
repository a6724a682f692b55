import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { SearchPage, SearchQuery } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";

/** `GET /search`: messages of the rooms the person is a member of now, newest first (domain/search). */
export function searchRoutes(ctx: ChatContext) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get("/search", { schema: { querystring: SearchQuery, response: { 200: SearchPage } } }, async (request) => {
      const user = currentUser(request);
      const outcome = await ctx.search.search(user.id, request.query);
      if (!outcome.ok) throw new HttpError(outcome.status, outcome.error);
      return outcome.page;
    });
  };
  return plugin;
}
