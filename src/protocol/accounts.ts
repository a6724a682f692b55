import { z } from "zod";
import { Username } from "./ids.js";
import { BanDetails, RegistrationMode } from "./moderation.js";
import { NotificationLevel } from "./notifications.js";
import { MIN_PASSWORD_LENGTH, Password } from "./rest.js";
import { Role } from "./roles.js";

/**
 * A team's own place (issue 18): first-run setup, the place's settings, profiles, passwords, the
 * people directory and account administration.
 */

/**
 * The one rule for a password someone chooses (registration, setup, an administrator's new account,
 * a change, a reset): at least MIN_PASSWORD_LENGTH characters, at most MAX_PASSWORD_BYTES bytes.
 * Signing in checks only the upper bound (`Password`): old accounts keep their passwords.
 */
export const NewPassword = Password.refine((p) => [...p].length >= MIN_PASSWORD_LENGTH, {
  message: `The password needs at least ${MIN_PASSWORD_LENGTH} characters`,
});

/** Why a chosen password is refused, or undefined when it is acceptable. */
export function newPasswordProblem(password: string): string | undefined {
  const parsed = NewPassword.safeParse(password);
  return parsed.success ? undefined : parsed.error.issues[0]!.message;
}

// Sentences for people (shown next to the field, and by the server without the field's name: errors.ts).
export const PlaceName = z.string("placeName must be a string").trim().min(1, "The place needs a name").max(60, "The place's name can have at most 60 characters");

/** `GET /place/settings`, `PATCH /place/settings` (administrators change them; every instance at once). */
export const PlaceSettings = z.object({
  placeName: z.string(),
  registration: RegistrationMode,
  /** The level of named rooms nobody chose one for (conversations always notify of everything). */
  defaultNotificationLevel: NotificationLevel,
});
export type PlaceSettings = z.infer<typeof PlaceSettings>;

export const PlaceSettingsPatch = z
  .object({ placeName: PlaceName.optional(), registration: RegistrationMode.optional(), defaultNotificationLevel: NotificationLevel.optional() })
  .strict();
export type PlaceSettingsPatch = z.infer<typeof PlaceSettingsPatch>;

/**
 * The audit log's `detail` of `place.settings`: the settings that changed, with their new values, as
 * JSON (`{"placeName":"Acme Corp"}`). Entries written before held every field sent, as
 * `placeName=Acme Corp, registration=open`; `parsePlaceSettingsAuditDetail` reads both.
 */
export function placeSettingsAuditDetail(changed: PlaceSettingsPatch): string {
  return JSON.stringify(changed);
}

const SETTING_KEYS = ["placeName", "registration", "defaultNotificationLevel"] as const;
const AuditedSettings = z.object({ placeName: z.string().optional(), registration: RegistrationMode.optional(), defaultNotificationLevel: NotificationLevel.optional() }).strict();

export function parsePlaceSettingsAuditDetail(detail: string): PlaceSettingsPatch | undefined {
  let fields: unknown;
  if (detail.startsWith("{")) {
    try {
      fields = JSON.parse(detail);
    } catch {
      return undefined;
    }
  } else {
    // The older form: split only before a known key, so a name with ", " in it stays whole.
    const pairs = detail.split(new RegExp(`, (?=(?:${SETTING_KEYS.join("|")})=)`)).map((pair) => {
      const at = pair.indexOf("=");
      return at < 0 ? [pair, undefined] : [pair.slice(0, at), pair.slice(at + 1)];
    });
    fields = Object.fromEntries(pairs);
  }
  const parsed = AuditedSettings.safeParse(fields);
  return parsed.success ? parsed.data : undefined;
}

/** `POST /setup`: the first run (only while nobody has set the place up). */
export const SetupBody = z.object({
  placeName: PlaceName,
  username: Username,
  password: NewPassword,
  registration: RegistrationMode.default("invite"),
});
export type SetupBody = z.infer<typeof SetupBody>;

/**
 * `GET /setup` (public): what the first screen shows. `needsSetup`: nobody has set the place up
 * (the setup form is offered); `locked`: and there is no demo either, so nobody can sign in or
 * register until it is done. `demo`: the demo accounts that still have the demo password.
 */
export const SetupState = z.object({
  placeName: z.string(),
  needsSetup: z.boolean(),
  locked: z.boolean(),
  registration: RegistrationMode,
  demo: z.object({ usernames: z.array(z.string()), password: z.string() }).nullable(),
});
export type SetupState = z.infer<typeof SetupState>;

export const ProfileText = (field: string, max: number) => z.string(`${field} must be a string`).trim().max(max, `${field} must be at most ${max} characters`);

/** An IANA time zone the runtime knows ("Europe/Paris"), or "" for none. */
export const TimeZone = z
  .string("timeZone must be a string")
  .max(64)
  .refine((tz) => {
    if (tz === "") return true;
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "timeZone must be an IANA time zone such as Europe/Paris");

/**
 * A person as everyone sees them: `username` is the sign-in name and the `@mention`; `displayName`
 * what is shown ("" = show the username). `status` is empty once `statusExpiresAt` (ms) has passed.
 */
export const Profile = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  title: z.string(),
  status: z.string(),
  statusExpiresAt: z.number().int().nullable(),
  timeZone: z.string(),
  role: Role,
  deactivated: z.boolean(),
  online: z.boolean(),
  /** The profile picture (`/users/{id}/avatar?v={version}`; add `&size=`), or null: initials. */
  avatarUrl: z.string().nullable(),
});
export type Profile = z.infer<typeof Profile>;

/** `PATCH /me/profile`: the fields to change. */
export const ProfilePatch = z
  .object({
    displayName: ProfileText("displayName", 64).optional(),
    title: ProfileText("title", 100).optional(),
    status: ProfileText("status", 100).optional(),
    statusExpiresAt: z.number().int().positive().nullable().optional(),
    timeZone: TimeZone.optional(),
  })
  .strict();
export type ProfilePatch = z.infer<typeof ProfilePatch>;

/** `PUT /me/password`. */
export const PasswordChangeBody = z.object({ currentPassword: Password, newPassword: NewPassword });
/** `POST /users/:id/password-reset` (administrators): a one-time link to give the person. */
export const PasswordResetLink = z.object({ url: z.string(), expiresAt: z.number().int() });
export type PasswordResetLink = z.infer<typeof PasswordResetLink>;
export const PasswordResetToken = z.string("token must be a string").regex(/^[A-Za-z0-9_-]{20,64}$/, "token is not a reset token");
/** `POST /password-reset` (public: the token is the credential). */
export const PasswordResetBody = z.object({ token: PasswordResetToken, newPassword: NewPassword });
export const PasswordResetParams = z.object({ token: PasswordResetToken });
/** `GET /password-reset/:token` (public): whom a working link is for, so its page can say before a password is typed. */
export const PasswordResetFor = z.object({ username: z.string(), displayName: z.string(), expiresAt: z.number().int() });
export type PasswordResetFor = z.infer<typeof PasswordResetFor>;

const Cursor = z.string().max(200).optional();
const Search = z.string().trim().max(64, "q must be at most 64 characters").default("");

/** `GET /people?q=&cursor=`: every active member, online first, then by name. */
export const PeopleQuery = z.object({ q: Search, cursor: Cursor, limit: z.coerce.number().int().min(1).max(100).default(50) });
export const PeoplePage = z.object({ people: z.array(Profile), nextCursor: z.string().nullable() });
export type PeoplePage = z.infer<typeof PeoplePage>;

export const AccountState = z.enum(["active", "deactivated", "banned"]);
/** `GET /admin/users?q=&role=&state=&cursor=` (administrators). */
export const AdminUsersQuery = z.object({
  q: Search,
  role: Role.optional(),
  state: AccountState.optional(),
  cursor: Cursor,
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
/** `ban`: when banned, the ban's details when they are known (see BanDetails). */
export const AdminUser = Profile.extend({ banned: z.boolean(), ban: BanDetails.optional() });
export type AdminUser = z.infer<typeof AdminUser>;
export const AdminUsersPage = z.object({ users: z.array(AdminUser), nextCursor: z.string().nullable() });
export type AdminUsersPage = z.infer<typeof AdminUsersPage>;

/** `PATCH /users/:id` (administrators). */
export const UserPatchBody = z
  .object({ role: z.enum(["admin", "member"]).optional(), deactivated: z.boolean().optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.deactivated !== undefined, "give role or deactivated");

/** `POST /admin/demo-accounts/deactivate`: the demo accounts that were deactivated (the published password no longer opens them). */
export const DemoAccountsDeactivated = z.object({ usernames: z.array(z.string()) });
export type DemoAccountsDeactivated = z.infer<typeof DemoAccountsDeactivated>;

/** `user.profile` socket event, to everyone: a person's profile changed. `place.settings`: the place's. */
export const ProfileEvent = Profile;

/**
 * Our envelope `account.change` on `MESSAGES` (ids only): every instance tells its sockets.
 * `profile`: the person's profile changed (`user.profile` to everyone); `settings`: the place's
 * settings changed (each instance rereads them; `place.settings` to everyone); `presence.alerts`:
 * the person's own presence-alert list changed (published on their own channel; the instances
 * holding their sockets reread it and send `presence.alerts` to those sockets only).
 */
export const AccountLiveChange = z.discriminatedUnion("change", [
  z.object({ change: z.literal("profile"), userId: z.number().int() }),
  z.object({ change: z.literal("settings") }),
  z.object({ change: z.literal("presence.alerts"), userId: z.number().int() }),
]);
export type AccountLiveChange = z.infer<typeof AccountLiveChange>;

/**
 * "Tell me when this person comes online" (issue 18), kept per person on the server: `GET
 * /me/presence-alerts` lists whom; `PUT /users/:id/presence-alert {on}` turns one on or off. The
 * client shows the alert (a toast, or a desktop notification when the tab is hidden) from the
 * presence events it already receives; nothing goes to the timeline. A change reaches the person's
 * other tabs and devices as the `presence.alerts` socket event (the whole list now, `PresenceAlerts`).
 */
export const PresenceAlerts = z.object({ userIds: z.array(z.number().int()) });
export type PresenceAlerts = z.infer<typeof PresenceAlerts>;
export const PresenceAlertBody = z.object({ on: z.boolean("on must be true or false") }).strict();
export const PresenceAlert = z.object({ userId: z.number().int(), on: z.boolean() });
export type PresenceAlert = z.infer<typeof PresenceAlert>;

/**
 * Profile pictures (issues 15 and 18): `PUT /me/avatar` (multipart, one image), `DELETE /me/avatar`,
 * `DELETE /users/:id/avatar` (administrators), `GET /users/:id/avatar?size=&v=`. Stored square, as
 * WebP, in each of AVATAR_SIZES pixels.
 */
export const AVATAR_SIZES = [64, 256] as const;
export type AvatarSize = (typeof AVATAR_SIZES)[number];
/** Sniffed types taken as a picture (raster images the decoder reads); anything else is refused (415). */
export const AVATAR_TYPES: readonly string[] = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"];
/** The largest picture one upload may carry (bytes): it is decoded in memory. */
export const AVATAR_MAX_BYTES = 10 * 1024 * 1024;

/** A picture's URL: the version in it changes with every upload, so caches may keep each for long. */
export const avatarUrl = (userId: number, version: string) => `/users/${userId}/avatar?v=${encodeURIComponent(version)}`;

/** The size to fetch for an avatar drawn `px` CSS pixels wide (twice that for sharp screens). */
export const avatarSizeFor = (px: number): AvatarSize => (px * 2 <= 64 ? 64 : 256);

export const AvatarQuery = z.object({
  size: z.enum(["64", "256"], "size must be 64 or 256").default("256"),
  v: z.string().max(64).optional(),
});

/**
 * Optional crop box of `PUT /me/avatar` (multipart fields `cropX`, `cropY`, `cropSize`, before the
 * file): a square in the picture's pixels as displayed (EXIF orientation applied). Without it, the
 * centred largest square.
 */
export const AvatarCrop = z.object({
  cropX: z.coerce.number().int().min(0),
  cropY: z.coerce.number().int().min(0),
  cropSize: z.coerce.number().int().min(1),
});

/** `PUT /me/avatar` -> 200, `DELETE /me/avatar` -> 200: the profile with its new picture. */
export const AvatarAnswer = Profile;
