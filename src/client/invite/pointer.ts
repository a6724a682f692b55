import type { RegistrationMode } from "../../protocol/index.js";

/**
 * What a place with nobody else in it points its reader at, by who may bring people in here
 * (the server's rules: only administrators make invitation links and accounts; `open` lets anyone
 * sign up at the place's address):
 * - `invite`: an administrator where it is by invitation: "Invite people" opens the invitation links;
 * - `create-accounts`: an administrator where it is closed: "Create accounts" opens the Accounts tab;
 * - `address`: anyone where it is open: the address people sign up at, to copy;
 * - `ask`: a member where only administrators bring people in: who to ask, and for what.
 */
export type InvitePointer =
  | { kind: "invite" }
  | { kind: "create-accounts" }
  | { kind: "address" }
  | { kind: "ask"; text: string };

export function invitePointer(mode: RegistrationMode, admin: boolean): InvitePointer {
  if (mode === "open") return { kind: "address" };
  if (admin) return mode === "invite" ? { kind: "invite" } : { kind: "create-accounts" };
  return {
    kind: "ask",
    text: mode === "invite"
      ? "Ask an administrator to invite people."
      : "Ask an administrator to create accounts for the people you want here.",
  };
}

/** The address people sign up at: this place's first page (the sign-in form offers "Create an account"). */
export function signUpAddress(origin: string): string {
  return new URL("/", origin).toString();
}
