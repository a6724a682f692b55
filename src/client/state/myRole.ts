import type { Profile, Role } from "../../protocol/index.js";

/**
 * The signed-in person's own role as this tab knows it: read once at sign-in, then followed from
 * every `user.profile` about them (an administrator promoted or demoted them on any instance), so
 * the Admin button and the Administration dialog follow without a reload. Other people's profiles
 * leave it as it is.
 */
export function myRoleAfter(current: Role | undefined, myId: number, profile: Pick<Profile, "id" | "role">): Role | undefined {
  return profile.id === myId ? profile.role : current;
}

export const isAdmin = (role: Role | undefined): boolean => role === "admin";
