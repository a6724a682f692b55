import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyRequest } from "fastify";
import { encodeSessionEndedHeader, LoginBody, MIN_PASSWORD_LENGTH, OkAnswer, Role, SESSION_ENDED_HEADER, SessionUser } from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import { sessionEndedHeader } from "../../domain/sessions.js";
import { HttpError } from "../errors.js";
import { admitNewName, afterSignIn, refuseIfBannedMeanwhile } from "./sign-in-gates.js";
import { refuseDeactivated } from "./accounts.js";
import { refuseUntilSetUp } from "./place.js";

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
        // request.ip is X-Forwarded-For's client only when TRUST_PROXY is set (Fastify trustProxy).
        const address = request.ip;
        const waitMs = await ctx.loginLimits.begin(username, address);
        if (waitMs > 0) {
          ctx.metrics.signIns.inc({ outcome: "limited" });
          reply.header("retry-after", Math.ceil(waitMs / 1000));
          throw new HttpError(429, `Too many failed sign-in attempts; try again in ${Math.ceil(waitMs / 1000)} seconds.`);
        }
        await refuseUntilSetUp(ctx, username);
        // An unknown name refused (404 sign-in only, 403 by invitation) counts as a failure, like
        // a wrong password: otherwise a list of names could be probed at full speed.
        const admission = await admitNewName(ctx, request.body).catch(async (err: unknown) => {
          if (err instanceof HttpError) {
            ctx.metrics.signIns.inc({ outcome: "failed" });
            await ctx.loginLimits.failed(username, address);
          }
          throw err;
        });
        const outcome = await ctx.users.login(username, password, MIN_PASSWORD_LENGTH);
        if (outcome.status === "password-too-short" || outcome.status === "wrong-password") ctx.metrics.signIns.inc({ outcome: "failed" });
        else ctx.metrics.signIns.inc({ outcome: "ok" });
        await afterSignIn(ctx, outcome as { status: string; user?: SessionUser }, admission);
        if (outcome.status === "password-too-short") {
          await ctx.loginLimits.notFailed(username, address);
          throw new HttpError(400, `The password of a new account needs at least ${MIN_PASSWORD_LENGTH} characters`);
        }
        if (outcome.status === "wrong-password") {
          await ctx.loginLimits.failed(username, address);
          throw new HttpError(401, "Invalid username or password");
        }
        await refuseDeactivated(ctx, outcome.user.id);
        await ctx.loginLimits.succeeded(username, address);
        await reply.startSession(outcome.user);
        await refuseIfBannedMeanwhile(ctx, reply, outcome.user);
        // A newcomer joins every open People list at once, on every instance (issue 18).
        if (outcome.status === "registered") await ctx.accountChanges.publish({ change: "profile", userId: outcome.user.id });
        return reply.code(outcome.status === "registered" ? 201 : 200).send(outcome.user);
      },
    );

    app.post("/logout", { config: { public: true }, schema: { response: { 200: OkAnswer } } }, async (request, reply) => {
      await reply.endSession(request);
      return { ok: true as const };
    });

    /**
     * The session user with its role (issue 9), or null without a session (the seed's client asks
     * this first). A cookie whose session is gone also gets why (SESSION_ENDED_HEADER): the body
     * stays `null` for the seed's client. Only a cookie this server signed gets it (goneSessionId).
     * Never stored by a cache: the answer is the cookie's, and names its person.
     */
    app.get("/me", { config: { public: true }, schema: { response: { 200: SessionUser.extend({ role: Role }).nullable() } } }, async (request, reply) => {
      reply.header("cache-control", "private, no-store");
      if (request.user) return { ...request.user, role: await ctx.roles.of(request.user.id) };
      if (request.goneSessionId) reply.header(SESSION_ENDED_HEADER, encodeSessionEndedHeader(await sessionEndedHeader(ctx, request.goneSessionId)));
      return null;
    });
  };
  return plugin;
}
