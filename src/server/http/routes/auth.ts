import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyRequest } from "fastify";
import { LoginBody, MIN_PASSWORD_LENGTH, OkAnswer, SessionUser } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { HttpError } from "../errors.js";

/** The session user of a route that requires one (the session hook has already refused others). */
export function currentUser(request: FastifyRequest): SessionUser {
  if (!request.user) throw new HttpError(401, "Sign in first");
  return request.user;
}

export function authRoutes(ctx: ChatContext) {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    app.post(
      "/login",
      { schema: { body: LoginBody, response: { 200: SessionUser, 201: SessionUser } }, config: { public: true } },
      async (request, reply) => {
        const { username, password } = request.body;
        const waitMs = await ctx.loginLimits.hit(username, request.ip);
        if (waitMs > 0) {
          ctx.metrics.signIns.inc({ outcome: "limited" });
          reply.header("retry-after", Math.ceil(waitMs / 1000));
          throw new HttpError(429, `Too many sign-in attempts; try again in ${Math.ceil(waitMs / 1000)} seconds.`);
        }
        const outcome = await ctx.users.login(username, password, MIN_PASSWORD_LENGTH);
        if (outcome.status === "password-too-short" || outcome.status === "wrong-password") ctx.metrics.signIns.inc({ outcome: "failed" });
        else ctx.metrics.signIns.inc({ outcome: "ok" });
        if (outcome.status === "password-too-short") {
          throw new HttpError(400, `password: a new account needs at least ${MIN_PASSWORD_LENGTH} characters`);
        }
        if (outcome.status === "wrong-password") throw new HttpError(401, "Invalid username or password");
        await ctx.loginLimits.clear(username);
        await reply.startSession(outcome.user);
        return reply.code(outcome.status === "registered" ? 201 : 200).send(outcome.user);
      },
    );

    app.post("/logout", { config: { public: true }, schema: { response: { 200: OkAnswer } } }, async (request, reply) => {
      await reply.endSession(request);
      return { ok: true as const };
    });

    /** The session user, or null without a session (the seed's client asks this first). */
    app.get("/me", { config: { public: true }, schema: { response: { 200: SessionUser.nullable() } } }, async (request) => request.user);
  };
  return plugin;
}
