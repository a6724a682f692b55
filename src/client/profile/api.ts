import { z } from "zod";
import {
  DemoAccountsDeactivated,
  AdminUser, AdminUsersPage, PasswordResetLink, PeoplePage, PresenceAlert, PresenceAlerts, Profile, type ProfilePatch,
} from "../../protocol/index.js";
import { request } from "../api.js";

const json = (method: string, body?: unknown): RequestInit => (body === undefined ? { method } : { method, body: JSON.stringify(body) });
const query = (params: Record<string, string | undefined>) =>
  Object.entries(params).filter(([, v]) => v).map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join("&");

/** Profiles, the people directory and account administration (docs/api.md, "A team's own place"). */
export const profileApi = {
  mine: () => request(Profile, "/me/profile"),
  update: (patch: ProfilePatch) => request(Profile, "/me/profile", json("PATCH", patch)),
  of: (userId: number) => request(Profile, `/users/${userId}/profile`),
  changePassword: (currentPassword: string, newPassword: string) => request(z.unknown(), "/me/password", json("PUT", { currentPassword, newPassword })),
  people: (q: string, cursor?: string) => request(PeoplePage, `/people?${query({ q, cursor })}`),
  /** Deactivates every demo account still usable with the published password; answers whose. */
  deactivateDemoAccounts: () => request(DemoAccountsDeactivated, "/admin/demo-accounts/deactivate", json("POST", {})),
  accounts: (params: { q?: string; role?: string; state?: string; cursor?: string }) => request(AdminUsersPage, `/admin/users?${query(params)}`),
  patchUser: (userId: number, patch: { role?: "admin" | "member"; deactivated?: boolean }) => request(AdminUser, `/users/${userId}`, json("PATCH", patch)),
  presenceAlerts: () => request(PresenceAlerts, "/me/presence-alerts").then((r) => r.userIds),
  setPresenceAlert: (userId: number, on: boolean) => request(PresenceAlert, `/users/${userId}/presence-alert`, json("PUT", { on })),
  /** The picture as chosen; the server crops it square (centred) and sizes it. */
  setAvatar: (file: Blob, name = "picture") => {
    const form = new FormData();
    form.append("file", file, name);
    return request(Profile, "/me/avatar", { method: "PUT", body: form });
  },
  removeAvatar: () => request(Profile, "/me/avatar", json("DELETE")),
  removeAvatarOf: (userId: number) => request(Profile, `/users/${userId}/avatar`, json("DELETE")),
  resetLink: (userId: number) => request(PasswordResetLink, `/users/${userId}/password-reset`, json("POST")),
};

/** The name to show for a person: their display name when they chose one, else the username. */
export function shownName(user: { username: string; displayName?: string }): string {
  return user.displayName || user.username;
}
