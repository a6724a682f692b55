import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { SessionList, SessionParams, SessionsEnded } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { HttpError } from "../errors.js";
import { SESSION_COOKIE } from "../session-plugin.js";
import { currentUser } from "./auth.js";

/**
 * A person's own sessions: list them, end one, end the others, or sign out everywhere. Ending a
 * session closes its sockets on every instance at once (see Sessions).
 */
export function sessionRoutes(ctx: ChatContext) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.get("/sessions", { schema: { response: { 200: SessionList } } }, async (request): Promise<SessionList> => {
      const user = currentUser(request);
      return ctx.sessions.list(user.id, request.sessionId);
    });

    app.delete(
      "/sessions/:handle",
      { schema: { params: SessionParams, response: { 200: SessionsEnded } } },
      async (request, reply): Promise<SessionsEnded> => {
        const user = currentUser(request);
        const ended = await ctx.sessions.endByHandle(user.id, request.params.handle, request.sessionId ?? undefined);
        if (!ended) throw new HttpError(404, "No such session");
        if (request.sessionId && (await ctx.sessions.get(request.sessionId)) === undefined) {
          reply.clearCookie(SESSION_COOKIE, { path: "/" });
        }
        return { ended: 1 };
      },
    );

    /** Every other session ends; this one stays. */
    app.delete("/sessions", { schema: { response: { 200: SessionsEnded } } }, async (request): Promise<SessionsEnded> => {
      const user = currentUser(request);
      return { ended: await ctx.sessions.endAll(user.id, request.sessionId ?? undefined, { code: "ended-elsewhere" }) };
    });

    /** Every session ends, this one included. */
    app.post("/logout/everywhere", { schema: { response: { 200: SessionsEnded } } }, async (request, reply): Promise<SessionsEnded> => {
      const user = currentUser(request);
      // This session's other tabs are told they signed out here; every other device, elsewhere.
      const ended = await ctx.sessions.endAll(user.id, undefined, { code: "ended-elsewhere", bySessionId: request.sessionId ?? undefined });
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      return { ended };
    });
  };
  return plugin;
}
