import { z } from "zod";
import { RoomId, UserId, Username } from "./ids.js";
import { Role } from "./roles.js";

/**
 * Administrators, bans, the audit log, invitations and who may sign up (issue 9).
 */

/** `GET /me`: the session user with their role, or `null` when signed out. */
export const Me = z.object({ id: z.number().int(), username: z.string(), role: Role });
export type Me = z.infer<typeof Me>;

/** What every credential of a banned account is answered (403 over HTTP, the socket handshake's error). */
export const BANNED_MESSAGE = "This account is banned: an administrator has suspended it";

/**
 * `POST /users/:id/ban` (admins). The reason goes to the audit log. `revokeInvitations: true` also
 * revokes every invitation link still open (not used up nor expired), after the ban: a banned
 * person holding one could otherwise make a new account with it at once.
 */
export const BanBody = z
  .object({
    reason: z.string().trim().max(500, "reason must be at most 500 characters").optional(),
    revokeInvitations: z.boolean("revokeInvitations must be true or false").optional(),
  })
  .default({});
export type BanBody = z.infer<typeof BanBody>;
export const UserIdParams = z.object({ id: UserId });

/** The answer of `POST|DELETE /users/:id/ban`. */
export const BanState = z.object({
  id: z.number().int(),
  username: z.string(),
  banned: z.boolean(),
  /** A ban with `revokeInvitations: true`: how many invitation links it revoked. */
  invitationsRevoked: z.number().int().optional(),
});
export type BanState = z.infer<typeof BanState>;

/**
 * The ban in force on an account, as recorded when it was made: `at` (ms since the epoch), `by`
 * (the administrator's id), `reason` when one was given. Unknown for bans made before it was kept.
 */
export const BanDetails = z.object({ at: z.number().int(), by: z.number().int(), reason: z.string().optional() });
export type BanDetails = z.infer<typeof BanDetails>;

/** `user.banned` / `user.unbanned` socket events, to everyone: hide or show them again. */
export const UserBannedEvent = z.object({ id: z.number().int(), username: z.string() });
export type UserBannedEvent = z.infer<typeof UserBannedEvent>;

/** What the audit log records. */
export const AuditAction = z.enum([
  "user.ban",
  "user.unban",
  "user.create",
  "room.member.remove",
  "room.delete",
  "room.update",
  "invite.create",
  "invite.delete",
  "message.delete",
  // issue 18
  "place.setup",
  "place.settings",
  "user.role",
  "user.deactivate",
  "user.reactivate",
  "user.password-reset",
  /** An administrator removed someone's profile picture. */
  "user.avatar.remove",
  /** An uploaded file failed the malware scan and was deleted (actor: the uploader). */
  "attachment.refused",
  "bot.create",
  "bot.token.rotate",
  "bot.webhook.change",
  "bot.delete",
  /** Someone created their account with an invitation (actor: the newcomer). */
  "invite.accept",
]);
export type AuditAction = z.infer<typeof AuditAction>;

/**
 * One audit log entry: `id` is the Redis stream id (`{ms}-{seq}`), `at` its time in ms since the
 * epoch, `actorId` the administrator or manager who acted; `userId` / `roomId` / `messageId` what
 * it was done to; `detail` free text (a ban's reason, a room's old name, a bot's new webhook URL), or a
 * form of its own read back by a helper (an invitation's terms, the place settings that changed).
 * `actorName` / `userName` / `roomName` are the names when it happened, kept in the entry, so a
 * later rename or deletion does not change or blank what the log says.
 */
export const AuditEntry = z.object({
  id: z.string(),
  at: z.number().int(),
  action: AuditAction,
  actorId: z.number().int(),
  userId: z.number().int().optional(),
  roomId: RoomId.optional(),
  messageId: z.string().optional(),
  detail: z.string().optional(),
  actorName: z.string().optional(),
  userName: z.string().optional(),
  roomName: z.string().optional(),
  /** `user.ban` entries: whether this ban is still in force (the person is banned now, by this entry's ban). */
  inForce: z.boolean().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** `GET /admin/audit?limit=50&before=<id>`: newest first; `before` pages back. */
export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().regex(/^\d{1,20}-\d{1,20}$/, "before must be an audit entry id").optional(),
});

/** `REGISTRATION`: `open` (anyone, as the seed), `invite` (a valid invitation code), `closed` (admins create accounts). */
export const RegistrationMode = z.enum(["open", "invite", "closed"]);
export type RegistrationMode = z.infer<typeof RegistrationMode>;

/** `GET /registration` (public): how new accounts are made here, for the sign-in form. */
export const RegistrationInfo = z.object({ mode: RegistrationMode });
export type RegistrationInfo = z.infer<typeof RegistrationInfo>;

export const InviteCode = z.string("invite must be a string").regex(/^[A-Za-z0-9_-]{8,64}$/, "invite is not a valid invitation code");

/**
 * `POST /invites` (admins): `maxUses` 1 (default, single-use) to 1000, or `null` for unlimited until
 * it expires; `expiresInHours` 1 to 720 (default 168, one week).
 */
export const CreateInviteBody = z
  .object({
    maxUses: z.number().int().min(1).max(1000).nullable().default(1),
    expiresInHours: z.number().int().min(1).max(720).default(168),
  })
  .default({ maxUses: 1, expiresInHours: 168 });
export type CreateInviteBody = z.infer<typeof CreateInviteBody>;

/**
 * The audit log's `detail` of `invite.create`: "100 use(s), 168 h" or "unlimited use(s), 24 h"
 * (the format older entries have too). Clients read it back with `parseInviteAuditDetail` to say
 * it as people do ("up to 100 uses, expires in 1 week").
 */
export function inviteAuditDetail(maxUses: number | null, expiresInHours: number): string {
  return `${maxUses ?? "unlimited"} use(s), ${expiresInHours} h`;
}

export function parseInviteAuditDetail(detail: string): { maxUses: number | null; expiresInHours: number } | undefined {
  const match = /^(\d+|unlimited) use\(s\), (\d+) h$/.exec(detail);
  if (!match) return undefined;
  return { maxUses: match[1] === "unlimited" ? null : Number(match[1]), expiresInHours: Number(match[2]) };
}

/**
 * An invitation: `url` opens the web client's sign-in with the code filled in (`/?invite=CODE`);
 * `expiresAt` is ms since the epoch; `uses` how many accounts it has made. `suspended` (in
 * `GET /invites`) when it admits nobody now because its maker (`makerName`) is banned or
 * deactivated: lifting the ban or reactivating them gives it back until it expires.
 */
export const Invite = z.object({
  code: z.string(),
  url: z.string(),
  expiresAt: z.number().int(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
  createdBy: z.number().int(),
  suspended: z.object({ makerName: z.string(), because: z.enum(["banned", "deactivated"]) }).optional(),
});
export type Invite = z.infer<typeof Invite>;
export const InviteParams = z.object({ code: InviteCode });
/** `GET /invites/:code/state` (public: the code is the credential): whether the link can still make an account. */
export const InviteState = z.object({ state: z.enum(["valid", "used", "expired", "unknown"]) });
export type InviteState = z.infer<typeof InviteState>;

/** `POST /admin/users` (admins; the only way in with `REGISTRATION=closed`). */
export const CreateAccountBody = z.object({
  username: Username,
  password: z.string("password must be a string").min(1).max(200),
  role: z.enum(["admin", "member"]).default("member"),
});
export type CreateAccountBody = z.infer<typeof CreateAccountBody>;
