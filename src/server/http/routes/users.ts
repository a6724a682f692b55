import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { OnlineUsersQuery, UsersById, UsersQuery, UserWithPresence } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";

const SearchQuery = z.object({
  q: z
    .string()
    .trim()
    .max(32, "q must be at most 32 characters")
    .regex(/^[A-Za-z0-9_.-]*$/, "q may contain only letters, digits, '_', '.' and '-'")
    .default(""),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export function userRoutes(ctx: ChatContext) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get(
      "/users",
      { schema: { querystring: UsersQuery, response: { 200: UsersById } } },
      async (request) => ctx.users.withPresence(request.query.ids),
    );

    /**
     * Online users, a page at a time (O(page), not O(online)). Not scoped further: everyone is a
     * member of General, so everyone online shares a room with everyone (docs/scaling.md).
     */
    app.get("/users/online", { schema: { querystring: OnlineUsersQuery, response: { 200: UsersById } } }, async (request, reply) => {
      const { ids, next } = await ctx.presence.onlinePage(request.query.cursor, request.query.limit);
      if (next !== "0") reply.header("x-next-cursor", next);
      return ctx.users.withPresence(ids);
    });

    /** People whose name starts with `q`, online first: the people list's filter. */
    app.get(
      "/users/search",
      { schema: { querystring: SearchQuery, response: { 200: z.array(UserWithPresence) } } },
      async (request) => {
        // Banned users are hidden from people search (issue 9).
        const ids = await ctx.bans.withoutBanned(await ctx.users.search(request.query.q, request.query.limit));
        const found = Object.values(await ctx.users.withPresence(ids));
        return found.sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username));
      },
    );
  };
  return plugin;
}
