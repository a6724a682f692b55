import { z } from "zod";

/**
 * What a user may do: `admin` runs the place (moderation, invitations, bots), `member` is everyone
 * else, `bot` is an integration that acts through an API token. Kept as the extra field `role` of
 * the seed's `user:{id}` hash; a hash without it (every seed-created user) is a `member`.
 */
export const Role = z.enum(["admin", "member", "bot"]);
export type Role = z.infer<typeof Role>;
