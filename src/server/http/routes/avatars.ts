import fastifyMultipart from "@fastify/multipart";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  AVATAR_MAX_BYTES, AVATAR_TYPES, AvatarAnswer, AvatarCrop, AvatarQuery, ErrorBody, UPLOAD_REFUSED, UserIdParams, type AvatarSize,
} from "../../../protocol/index.js";
import type { ChatContext } from "../../context.js";
import type { AvatarOutcome } from "../../domain/users/avatars.js";
import { HttpError } from "../errors.js";
import { currentUser } from "./auth.js";
import { requireAdmin } from "./moderation.js";

/** A year: a URL names one version of one picture, which never changes (a new picture is a new URL). */
const LONG = "private, max-age=31536000, immutable";

const REFUSALS: Record<Exclude<AvatarOutcome["status"], "stored">, [number, string]> = {
  "not-an-image": [415, `A profile picture must be an image (${AVATAR_TYPES.map((t) => t.slice(6).toUpperCase()).join(", ")})`],
  "too-many-pixels": [422, UPLOAD_REFUSED.pixels],
  unreadable: [422, UPLOAD_REFUSED.unreadable],
  "bad-crop": [400, "The crop box is not inside the picture"],
  "no-such-user": [404, "No such user"],
};

/**
 * Profile pictures (issues 15 and 18), in the attachments' BlobStore through domain/users/avatars.ts:
 * - `PUT /me/avatar` (multipart, one image, optional crop fields before it): 200 with the profile.
 *   Over AVATAR_MAX_BYTES: 413; not a raster image (sniffed): 415; too many pixels, unreadable: 422.
 * - `DELETE /me/avatar`, `DELETE /users/:id/avatar` (administrators, audited): 200 with the profile.
 * - `GET /users/:id/avatar?size=64|256&v=`: signed-in people only; the version in the URL lets the
 *   browser keep it a year (`private`: never a shared cache), a stale or absent `v` revalidates.
 * Every change is a `user.profile` event to everyone (the existing profile-change path).
 */
export function avatarRoutes(ctx: ChatContext) {
  /** People with an upload in progress on this instance: one each (a picture is held and decoded whole). */
  const uploading = new Set<number>();
  const plugin: FastifyPluginAsyncZod = async (app) => {
    await app.register(fastifyMultipart, {
      limits: { fileSize: AVATAR_MAX_BYTES, files: 1, fields: 3, fieldSize: 32, parts: 4, headerPairs: 50 },
      throwFileSizeLimit: true,
    });

    const changed = async (userId: number) => {
      await ctx.accountChanges.publish({ change: "profile", userId });
      const profile = await ctx.profiles.get(userId);
      if (!profile) throw new HttpError(404, "No such user");
      return profile;
    };

    app.put(
      "/me/avatar",
      {
        schema: {
          consumes: ["multipart/form-data"],
          response: { 200: AvatarAnswer, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody, "4xx": ErrorBody },
        },
      },
      async (request) => {
        const user = currentUser(request);
        if (!request.isMultipart()) throw new HttpError(415, "Send the picture as multipart/form-data");
        // Plainly too large: refused before the body is read (the form's own overhead is small).
        if (Number(request.headers["content-length"]) > AVATAR_MAX_BYTES + 64 * 1024) {
          throw new HttpError(413, `The picture is larger than ${AVATAR_MAX_BYTES} bytes`);
        }
        if (uploading.has(user.id)) throw new HttpError(429, "A picture of yours is already being uploaded; wait for it to finish");
        uploading.add(user.id);
        try {
          return await upload(request, user.id);
        } finally {
          uploading.delete(user.id);
        }
      },
    );

    const upload = async (request: FastifyRequest, userId: number) => {
      let image: Buffer;
      const fields: Record<string, string> = {};
      try {
        const part = await request.file();
        if (!part) throw new HttpError(400, "The request holds no file");
        for (const [name, field] of Object.entries(part.fields)) {
          if (field && !Array.isArray(field) && field.type === "field") fields[name] = String(field.value);
        }
        // Whole in memory, bounded by AVATAR_MAX_BYTES: the decoder needs all of it anyway.
        image = await part.toBuffer();
        // toBuffer misses the limit when it falls in the last chunk busboy hands over: checked here too.
        if (part.file.truncated) throw new app.multipartErrors.RequestFileTooLargeError();
      } catch (err) {
        if (err instanceof app.multipartErrors.RequestFileTooLargeError) {
          throw new HttpError(413, `The picture is larger than ${AVATAR_MAX_BYTES} bytes`);
        }
        throw err;
      }
      let crop;
      if ("cropX" in fields || "cropY" in fields || "cropSize" in fields) {
        const parsed = AvatarCrop.safeParse(fields);
        if (!parsed.success) throw new HttpError(400, "cropX, cropY and cropSize must be whole numbers, given together");
        crop = { left: parsed.data.cropX, top: parsed.data.cropY, size: parsed.data.cropSize };
      }
      const outcome = await ctx.avatars.set(userId, image, crop);
      if (outcome.status !== "stored") {
        const [status, message] = REFUSALS[outcome.status];
        throw new HttpError(status, message);
      }
      return changed(userId);
    };

    app.delete("/me/avatar", { schema: { response: { 200: AvatarAnswer } } }, async (request) => {
      const user = currentUser(request);
      await ctx.avatars.remove(user.id);
      return changed(user.id);
    });

    app.delete("/users/:id/avatar", { schema: { params: UserIdParams, response: { 200: AvatarAnswer } } }, async (request) => {
      const admin = await requireAdmin(ctx, request);
      const target = request.params.id;
      if (!(await ctx.profiles.get(target))) throw new HttpError(404, "No such user");
      if (await ctx.avatars.remove(target)) {
        await ctx.audit.record({ action: "user.avatar.remove", actorId: admin.id, userId: target });
      }
      return changed(target);
    });

    app.get(
      "/users/:id/avatar",
      {
        schema: {
          params: UserIdParams,
          querystring: AvatarQuery,
          response: {
            200: { description: "The picture, a square WebP", content: { "image/webp": { schema: z.string().describe("WebP bytes") } } },
            "4xx": ErrorBody,
          },
        },
      },
      async (request, typedReply) => {
        // Bytes, not the JSON the typed reply expects.
        const reply = typedReply as unknown as FastifyReply;
        currentUser(request);
        const size = Number(request.query.size) as AvatarSize;
        const found = await ctx.avatars.read(request.params.id, size);
        if (!found) throw new HttpError(404, "This person has no picture");
        const etag = `"${found.version}-${size}"`;
        reply.headers({
          "content-type": "image/webp",
          "cache-control": request.query.v === found.version ? LONG : "private, no-cache",
          etag,
          "x-content-type-options": "nosniff",
          "content-security-policy": "default-src 'none'; sandbox",
          "cross-origin-resource-policy": "same-origin",
        });
        if (request.headers["if-none-match"] === etag) {
          found.body.destroy();
          return reply.code(304).send();
        }
        return reply.send(found.body);
      },
    );
  };
  return plugin;
}
